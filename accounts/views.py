"""Staff login with the abuse limits: the per-address limit of failures in front (core.middleware, shared with
the admin's login form), the per-(username, address) lockout page behind."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_http_methods

from core.pages import submit_form
from core.ratelimit import over_limit, too_many

from .forms import CodeForm, PhoneForm
from .models import Role
from .phone_signin import phone_code_request, phone_code_verify


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


# ---- 短信验证码登录: a resident who gave a phone with their demands sees them all (accounts.phone_signin) ----

SESSION_PHONE = "phone_signin"


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


@require_http_methods(["GET", "POST"])
def phone_signin(request):
    if getattr(request.user, "is_authenticated", False):
        return redirect("demands:my" if request.user.role == Role.RESIDENT else "demands:workbench")
    form = PhoneForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "phone_code", settings.PHONE_CODE_IP_LIMIT, 3600):
            return too_many(request)
        outcome = submit_form(form, lambda c: phone_code_request(phone=c["phone"]))
        if outcome.ok:
            request.session[SESSION_PHONE] = form.cleaned_data["phone"]
            return redirect("accounts:phone_code")
        return render(request, "registration/phone_signin.html", {"form": form}, status=outcome.status)
    return render(request, "registration/phone_signin.html", {"form": form})


@require_http_methods(["GET", "POST"])
def phone_code(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("accounts:phone_signin")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "phone_verify", settings.PHONE_CODE_IP_LIMIT * 3, 3600):
            return too_many(request)
        outcome = submit_form(form, lambda c: phone_code_verify(phone=phone, code=c["code"]))
        if outcome.ok:
            # login() starts a new session: the pending phone goes with the old one.
            login(request, outcome.value, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("demands:my")
        status = outcome.status
    else:
        status = 200
    return render(request, "registration/phone_code.html", {"form": form, "masked": _masked(phone)}, status=status)

