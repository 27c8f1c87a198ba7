"""Staff login with the abuse limits: the per-address limit of failures in front (core.middleware, shared with
the admin's login form), the per-(username, address) lockout page behind."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render, resolve_url

from .models import Role


class LoginView(auth_views.LoginView):
    """Django's login (its ?next= handling keeps redirects on this site)."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # A resident with an account lands on their own demands (我的诉求), not on the staff workbench.
        if getattr(self.request.user, "role", None) == Role.RESIDENT:
            return resolve_url("demands:my")
        return super().get_default_redirect_url()


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response: this username from this address may not log in for the cool-off."""
    request.audit_reason = "locked_out"
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "registration/locked_out.html", {"minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)
