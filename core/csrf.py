"""CSRF refusals in Chinese: a page for forms, the API's JSON error for session-authenticated API calls."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme as SpectacularSessionScheme
from rest_framework import authentication, exceptions


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form was posted without a valid token (expired page, another site's form)."""
    request.audit_reason = "csrf"
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "csrf_failed", "detail": _("Security check failed: reload the page and try again.")}, status=403)
    return render(request, "403_csrf.html", status=403)


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication with a Chinese refusal; token-authenticated calls never reach it."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            request._request.audit_reason = "csrf"
            raise exceptions.PermissionDenied(_("Security check failed: reload the page and try again.")) from None


class SessionScheme(SpectacularSessionScheme):
    """Documents the subclass above as the same cookie authentication."""

    target_class = "core.csrf.SessionAuthentication"
