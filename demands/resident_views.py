"""Pages of a registered resident (我的诉求), and the guard that keeps residents off the staff workbench."""

from functools import wraps

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import CodeForm, PhoneForm
from accounts.models import Role
from core.pages import submit_form
from core.ratelimit import over_limit, too_many

from .phone_signin import phone_code_request, phone_code_verify
from .resident import is_resident, latest_public_step, next_step, resident_demands
from .states import Status
from .views import submit_page


def _resident_or_404(request):
    # Staff have their workbench; to them this page does not exist.
    if not is_resident(request.user):
        raise Http404


@login_required
@require_GET
def my_demands(request):
    _resident_or_404(request)
    page = Paginator(resident_demands(viewer=request.user), 20).get_page(request.GET.get("page"))
    items = [{"demand": d, "step": latest_public_step(d), "next": next_step(d),
              "to_rate": d.status == Status.VERIFIED} for d in page]
    return render(request, "demands/my_demands.html", {"page": page, "items": items})


@login_required
@require_http_methods(["GET", "POST"])
def my_submit(request):
    """The resident's way to /submit/ from 我的诉求, with a place already chosen; submit_page fills name and phone."""
    _resident_or_404(request)
    return submit_page(request, initial={"township": request.GET.get("township"),
                                         "community": request.GET.get("community")})


def residents_to_my_demands(view):
    """A staff page that a registered resident is sent away from, to their own demands."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_resident(request.user):
            return redirect("demands:my")
        return view(request, *args, **kwargs)

    return wrapper


def not_for_residents(view):
    """A staff-only resource (the exports): for a registered resident it does not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_resident(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# ---- 短信验证码登录: a resident who gave a phone with their demands sees them all (demands.phone_signin) ----

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
            # login() gives the session a new key but keeps its data: the pending number is dropped by hand, so the
            # signed-in session holds no phone it does not need.
            request.session.pop(SESSION_PHONE, None)
            login(request, outcome.value, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("demands:my")
        status = outcome.status
    else:
        status = 200
    return render(request, "registration/phone_code.html", {"form": form, "masked": _masked(phone)}, status=status)

