"""Suggestion pages (phone-first: deputies use phones). Thin: each validates a form and calls one service."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.actors import is_staff_user
from demands.states import Status as DemandStatus
from core.errors import ApplicationError, NotFound
from core.pages import submit_action, submit_form
from core.validators import valid_pk

from . import figures as suggestion_figures
from . import selectors, services
from .actions import ACTIONS, PAGE_ACTIONS
from .models import Kind
from .forms import DraftForm, DraftFromGroupForm, EditForm, SimilarForm
from .permissions import assignment_of, can_draft, reply_of
from .states import Action, Status

MAX_SIMILAR_DOCS = 400


def _get(request, pk):
    try:
        return selectors.suggestion_get_for(viewer=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None


def _year_param(value):
    return int(value) if str(value or "").isdigit() and 2000 <= int(value) <= 2100 else None


@login_required
def suggestion_list(request):
    year = _year_param(request.GET.get("year"))
    status = request.GET.get("status") if request.GET.get("status") in Status.values else None
    qs = selectors.suggestion_list(viewer=request.user, year=year, status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    tracked_year = year or timezone.localdate().year
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "suggestions/list.html", {
        "page": page,
        "year": year,
        "status": status,
        "statuses": Status.choices,
        "years": suggestion_figures.years(),
        "tracked": selectors.tracked_into(viewer=request.user, year=tracked_year),
        "tracked_year": tracked_year,
        "can_draft": can_draft(request.user),
        "query": query.urlencode(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request):
    if not can_draft(request.user):
        raise PermissionDenied
    form = DraftForm(request.POST or None, viewer=request.user)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.suggestion_draft(
            actor=request.user, title=c["title"], content=c["content"], category=c["category"],
            joint_deputies=list(c["joint_deputies"]), demand_ids=c["demands"], kind=c["kind"] or Kind.SUGGESTION))
        if outcome.ok:
            messages.success(request, _("The draft was saved. Submit it when it is ready."))
            return redirect("suggestions:detail", pk=outcome.value.pk)
        status = outcome.status
    return render(request, "suggestions/form.html", {"form": form, "suggestion": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_edit(request, pk):
    suggestion = _get(request, pk)
    refusal = services.refusal(request.user, suggestion, Action.EDIT)
    form = EditForm(request.POST or None, viewer=request.user, suggestion=suggestion)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.suggestion_edit(
            suggestion_id=suggestion.pk, actor=request.user, title=c["title"], content=c["content"],
            category=c["category"], joint_deputies=list(c["joint_deputies"]), kind=c["kind"]))
        if outcome.ok:
            messages.success(request, _("The draft was saved."))
            return redirect("suggestions:detail", pk=suggestion.pk)
        status = outcome.status
    elif refusal:
        form.add_error(None, refusal)
        status = 409 if suggestion.status != Status.DRAFT else 403
    return render(request, "suggestions/form.html", {"form": form, "suggestion": suggestion}, status=status)


def _detail_context(request, suggestion, failed_action=None, failed_form=None):
    available = services.available_actions(request.user, suggestion)
    forms = []
    for action in PAGE_ACTIONS:
        if action in available:
            form = failed_form if action == failed_action else ACTIONS[action][0](suggestion=suggestion,
                                                                                   prefix=action)
            forms.append((action, Action(action).label, form))
    if failed_action and failed_action not in [a for a, _l, _f in forms]:
        forms.insert(0, (failed_action, Action(failed_action).label, failed_form))
    return {
        "suggestion": suggestion,
        "proposers": list(suggestion.proposers.all()),
        "linked": selectors.linked_demands(suggestion),
        "assignment": assignment_of(suggestion),
        "reply": reply_of(suggestion),
        "opinions": suggestion.opinions.select_related("department"),
        "evaluations": suggestion.evaluations.select_related("deputy"),
        "follow_ups": suggestion.follow_ups.select_related("department"),
        "contacts": suggestion.contacts.select_related("department"),
        "events": suggestion.events.order_by("created_at", "id"),
        "action_forms": forms,
        "can_edit": Action.EDIT in available,
        "can_unlink": Action.UNLINK in available,
    }


@login_required
def suggestion_detail(request, pk):
    suggestion = _get(request, pk)
    return render(request, "suggestions/detail.html", _detail_context(request, suggestion))


@login_required
@require_POST
def suggestion_action(request, pk, action):
    suggestion = _get(request, pk)
    outcome, form = submit_action(request, actions=ACTIONS, action=action, obj=suggestion, object_kwarg="suggestion")
    if outcome.ok:
        messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
        return redirect("suggestions:detail", pk=suggestion.pk)
    suggestion = _get(request, pk)
    context = _detail_context(request, suggestion, failed_action=action, failed_form=form)
    return render(request, "suggestions/detail.html", context, status=outcome.status)


def action_view(action):
    """One URL name per action (suggestions:assign, suggestions:reply, ...), all served by suggestion_action."""

    def view(request, pk):
        return suggestion_action(request, pk, action)

    view.__name__ = f"suggestion_{action}"
    return view


@login_required
def figures(request):
    if not is_staff_user(request.user):
        raise PermissionDenied
    year = _year_param(request.GET.get("year"))
    return render(request, "suggestions/figures.html", {
        "year": year,
        "years": suggestion_figures.years(),
        "by_department": suggestion_figures.by_department(year=year),
        "department_total": suggestion_figures.total(year=year),
        "by_year": suggestion_figures.by_year(),
        "year_total": suggestion_figures.total(),
        "definitions": suggestion_figures.DEFINITIONS,
    })


# ---------------------------------------------------------------- forming a suggestion from similar demands


def _similar_demands(user, township, since):
    return list(selectors.citable_demands(user).filter(township=township, created_at__gte=since)
                .exclude(status__in=[DemandStatus.REJECTED, DemandStatus.MERGED])
                .select_related("category__parent").only("id", "category", "content", "address",
                                                          "created_at", "township")
                .order_by("-created_at", "-id")[:MAX_SIMILAR_DOCS])


def _proposed_title(terms, township) -> str:
    return _("On %(terms)s in %(township)s") % {"terms": "、".join(terms[:3]), "township": township.name}


@login_required
@require_http_methods(["GET", "POST"])
def similar(request):
    if not can_draft(request.user):
        raise PermissionDenied
    if request.method == "POST":
        return _draft_from_group(request)
    from demands.grouping import similar_groups

    default_township = request.user.deputy.township_id
    form = SimilarForm(request.GET if "township" in request.GET else None,
                       initial={"township": default_township, "days": 90})
    if form.is_bound and not form.is_valid():
        return render(request, "suggestions/similar.html", {"form": form, "groups": []}, status=400)
    if form.is_bound:
        township, since = form.cleaned_data["township"], form.since()
    else:
        township = request.user.deputy.township
        since = timezone.now() - dt.timedelta(days=90)
    demands = _similar_demands(request.user, township, since)
    by_pk = {d.pk: d for d in demands}
    groups = []
    for number, group in enumerate(similar_groups([(d.pk, d.content, d.address) for d in demands]), start=1):
        members = [by_pk[k] for k in group.keys if k in by_pk]
        groups.append({
            "terms": group.terms,
            "cohesion": group.cohesion,
            "demands": members,
            "form": DraftFromGroupForm(initial={"title": _proposed_title(group.terms, township),
                                                "terms": "、".join(group.terms[:3]),
                                                "demand_ids": ",".join(str(d.pk) for d in members)},
                                       auto_id=f"group{number}-%s"),
        })
    return render(request, "suggestions/similar.html", {
        "form": form, "groups": groups, "township": township, "count": len(demands),
    })


def _draft_from_group(request):
    form = DraftFromGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the demands to cite and give a title."))
        return redirect("suggestions:similar")
    ids = form.cleaned_data["demand_ids"]
    terms = [t for t in form.cleaned_data["terms"].split("、") if t]
    try:
        suggestion = services.suggestion_draft_from_demands(
            actor=request.user, title=form.cleaned_data["title"], demand_ids=ids, terms=terms)
    except ApplicationError as error:
        messages.error(request, " ".join(str(m) for ms in error.field_errors.values() for m in ms) or error.message)
        return redirect("suggestions:similar")
    messages.success(request, _("A draft citing %(n)s demands was created. Complete the proposal and submit it.")
                     % {"n": len(ids)})
    return redirect("suggestions:detail", pk=suggestion.pk)


@login_required
@require_POST
def demand_cite(request, pk):
    """共性问题形成建议 from the deputy's home page: cite this demand as evidence in one of the deputy's drafts."""
    from deputies.views import demand_step

    suggestion_id = request.POST.get("suggestion", "")
    if not valid_pk(suggestion_id):
        messages.error(request, _("Choose one of your draft suggestions."))
        return redirect("deputies:home")
    return demand_step(request, pk, lambda d, c: services.suggestion_link_demand(
        suggestion_id=int(suggestion_id), actor=request.user, demand_id=d.pk))
