"""The centre's call-back pages: the list, one call, and its actions (docs/lifecycles.md#call-backs)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.audit import audit
from core.errors import ApplicationError, NotFound
from core.pages import submit_form
from core.ratelimit import over_limit, too_many
from demands.permissions import can_see_personal_data

from . import selectors, services
from .forms import MissForm, ReachForm, UncallableForm
from .permissions import centre_may_call, may_view_revisits, why_not_callable
from .states import Action

FORMS = {Action.REACH: ReachForm, Action.MISS: MissForm, Action.CLOSE_UNCALLABLE: UncallableForm}
CALLS = {
    Action.REACH: lambda pk, user, data: services.revisit_reach(task_id=pk, actor=user, **data),
    Action.MISS: lambda pk, user, data: services.revisit_miss(task_id=pk, actor=user, **data),
    Action.CLOSE_UNCALLABLE: lambda pk, user, data: services.revisit_close_uncallable(task_id=pk, actor=user, **data),
}
DONE = {
    Action.REACH: _("The call-back was recorded."),
    Action.MISS: _("The attempt was recorded."),
    Action.CLOSE_UNCALLABLE: _("The task was closed as not callable."),
}


def _task(request, pk):
    try:
        return selectors.revisit_get_for(viewer=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
def revisit_list_page(request):
    if not may_view_revisits(request.user):
        raise Http404
    page = Paginator(selectors.revisit_list(viewer=request.user), 25).get_page(request.GET.get("page"))
    for task in page:
        task.callable = centre_may_call(task)
    return render(request, "revisits/list.html", {
        "page": page, "open_count": selectors.revisit_open_count(viewer=request.user),
        "max_attempts": settings.REVISIT_MAX_ATTEMPTS,
    })


def _detail(request, task, *, status=200, revealed=None, failed_action=None, failed_form=None, refusal=None):
    user = request.user
    forms = {}
    for action, form_class in FORMS.items():
        if services.refusal(user, task, action) is None:
            forms[action] = failed_form if action == failed_action else form_class(prefix=action, task=task)
    if failed_action in forms:
        refusal = None  # the form shows it beside its fields
    return render(request, "revisits/detail.html", {
        "task": task, "demand": task.demand,
        "events": task.events.select_related("actor").order_by("created_at", "id"),
        "may_reveal": services.refusal(user, task, Action.REVEAL) is None,
        "not_callable": why_not_callable(task) if task.is_open else None,
        "personal": can_see_personal_data(user, task.demand),
        "revealed": revealed,
        "reach_form": forms.get(Action.REACH), "miss_form": forms.get(Action.MISS),
        "uncallable_form": forms.get(Action.CLOSE_UNCALLABLE),
        "refusal": refusal, "max_attempts": settings.REVISIT_MAX_ATTEMPTS,
    }, status=status)


def revisit_detail(request, pk):
    # Anonymous visitors get the same 404 as outsiders: a login redirect would confirm that the id exists.
    return _detail(request, _task(request, pk))


@require_POST
def revisit_reveal_page(request, pk):
    """The number for this call only: in this answer, never in the list, a later page or a log line."""
    task = _task(request, pk)
    if over_limit(request, "revisit_reveal", settings.REVISIT_REVEAL_LIMIT, 3600):
        audit("phone_reveal_refused", request, task=task.pk, demand=task.demand_id, reason="throttled")
        return too_many(request)
    try:
        phone = services.revisit_reveal(task_id=task.pk, actor=request.user)
    except NotFound as error:
        raise Http404(error.message) from None
    except ApplicationError as error:
        return _detail(request, task, status=error.http_status, refusal=error.message)
    audit("phone_revealed", request, task=task.pk, demand=task.demand_id)
    task.refresh_from_db()
    return _detail(request, task, revealed=phone)


@require_POST
def revisit_action(request, pk, action):
    task = _task(request, pk)
    form = FORMS[action](request.POST, prefix=action, task=task)
    outcome = submit_form(form, lambda data: CALLS[action](task.pk, request.user, data))
    if outcome.ok:
        messages.success(request, DONE[action])
        return redirect("revisits:list")
    task.refresh_from_db()
    # A refusal (not the caller, a closed task, a reopen the demand's state refuses) may leave no form to show it on.
    refusal = " ".join(str(e) for e in form.non_field_errors()) if outcome.status != 400 else None
    return _detail(request, task, status=outcome.status, failed_action=action, failed_form=form, refusal=refusal)
