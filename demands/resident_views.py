"""Pages of a registered resident (我的诉求), and the guard that keeps residents off the staff workbench."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

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
