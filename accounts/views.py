"""Staff login with the abuse limits: a per-address throttle in front, the lockout page behind."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from portal.ratelimit import over_limit, too_many

LOGIN_WINDOW_SECONDS = 15 * 60


class LoginView(auth_views.LoginView):
    """Django's login (its ?next= handling keeps redirects on this site), throttled per client address."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if over_limit(request, "login", settings.LOGIN_IP_LIMIT, LOGIN_WINDOW_SECONDS):
            return too_many(request)
        return super().post(request, *args, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response: this username from this address may not log in for the cool-off."""
    request.audit_reason = "locked_out"
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "registration/locked_out.html", {"minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)
