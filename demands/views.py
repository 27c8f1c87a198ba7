"""Resident and staff pages. Thin: each validates a form and calls one service."""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, InvalidInput, NotFound
from core.pages import attach_errors, submit_action, submit_form
from core.ratelimit import over_limit, too_many

from core.actors import ResidentActor

from . import pending_uploads, selectors, services, similar
from .filters import workbench_filterset
from .actions import REFUSALS, STAFF_ACTIONS, action_label, offered_actions
from .forms import RateForm, SubmitForm, SupervisionAnswerForm, SupplementForm, TrackForm, WithdrawForm
from .permissions import (
    can_see_personal_data, can_see_system_checks, is_resident_submitter, sees_internal_history,
)
from .quality import reply_flag_reasons
from .resident import submit_initial
from .states import OPEN_STATES, Action, Status


def _not_found(error: NotFound):
    raise Http404(error.message)


def _counted_as_tracking(view):
    """The code and the rating link are credentials: every page that looks one up shares one per-address limit."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if over_limit(request, "track", settings.PAGE_TRACK_LIMIT, 3600):
            return too_many(request)
        return view(request, *args, **kwargs)

    return limited


# ---------------------------------------------------------------- resident pages


SUBMIT_PHOTOS = "submit"  # pending_uploads scope of the resident's form (also on the QR landing pages)


@require_http_methods(["GET", "POST"])
def submit(request):
    initial = {"township": request.GET.get("township"), "community": request.GET.get("community")}
    return submit_page(request, initial=initial)


def submit_page(request, *, template="demands/submit.html", context=None, initial=None, channel="web",
                addressed=None):
    """The resident's submit form: /submit/ and the QR landing pages, which add `addressed` (deputy= or
    station= for demand_receive) and their own template extending demands/submit.html."""
    if request.method == "POST" and "suggest" in request.POST:
        return suggested_fields(request)
    if request.method == "POST" and "refresh_places" in request.POST:
        # No-JavaScript path of the cascading selects: redisplay with narrowed lists, no errors yet.
        form = SubmitForm(initial=request.POST.dict())
        pending_uploads.carry_over(request, form, scope=SUBMIT_PHOTOS)
        # Photos sent along are checked and kept: that costs what a submit costs, and counts as one.
        if request.FILES and over_limit(request, "submit", settings.PAGE_SUBMIT_LIMIT, 3600):
            return too_many(request)
        pending_uploads.keep_after_failure(request, form, scope=SUBMIT_PHOTOS)
    elif request.method == "POST":
        if over_limit(request, "submit", settings.PAGE_SUBMIT_LIMIT, 3600):
            return too_many(request)
        form = SubmitForm(request.POST, request.FILES)
        pending_uploads.carry_over(request, form, scope=SUBMIT_PHOTOS)
        if form.is_valid():
            c = form.cleaned_data
            try:
                demand = services.demand_receive(
                    actor=request.user, type=c["type"], category=c["category"], content=c["content"],
                    township=c["township"], community=c["community"], grid=c["grid"], micro_grid=c["micro_grid"],
                    address=c["address"],
                    lat=c["lat"], lng=c["lng"],
                    contact_name=c["contact_name"], contact_phone=c["contact_phone"], is_public=c["is_public"],
                    photos=c["photos"], channel=channel, **(addressed or {}),
                )
            except InvalidInput as error:
                attach_errors(form, error)
            else:
                pending_uploads.done(request, form)
                return redirect("demands:receipt", code=demand.tracking_code)
        pending_uploads.keep_after_failure(request, form, scope=SUBMIT_PHOTOS)
    else:
        # A registered resident finds their name and phone filled in, still theirs to change.
        form = SubmitForm(initial={**submit_initial(request.user), **(initial or {})})
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, {**(context or {}), "form": form}, status=status)


def _left_to_suggestion(current: str, previous: str, default: str = "") -> bool:
    # Still empty, the form's default or the last suggestion: the resident has not chosen this one themselves.
    return current in ({"", previous} if previous else {"", default})


def suggested_fields(request):
    """htmx partial of the submit page: type and category with the classifier's suggestion pre-selected."""
    from .models import DemandType
    from .routing import intake_suggestion

    if over_limit(request, "suggest", getattr(settings, "PAGE_SUGGEST_LIMIT", 600), 3600):
        return HttpResponse(status=429)  # htmx leaves the fields as they were
    data = request.POST
    content = data.get("content", "")[:2000]
    initial = {"type": data.get("type", ""), "category": data.get("category", "")}
    suggestion = intake_suggestion(content) if len(content.strip()) >= 5 else None
    context = {}
    if suggestion is not None:
        category_pk = str(suggestion.category.pk) if suggestion.category else ""
        if _left_to_suggestion(initial["type"], data.get("suggested_type", ""), DemandType.HELP):
            initial["type"] = suggestion.type
        if category_pk and _left_to_suggestion(initial["category"], data.get("suggested_category", "")):
            initial["category"] = category_pk
        label = str(DemandType(suggestion.type).label)
        context = {"suggestion_label": f"{label} · {suggestion.category}" if suggestion.category else label,
                   "suggested_type": suggestion.type, "suggested_category": category_pk}
    form = SubmitForm(initial={k: v for k, v in initial.items() if v})
    return render(request, "demands/_suggested_fields.html", {"form": form, **context})


@require_POST
def similar_hint(request):
    """htmx partial on the submit page: open demands nearby like the one being typed (no personal data)."""
    if over_limit(request, "similar", getattr(settings, "PAGE_SIMILAR_LIMIT", 300), 3600):
        return HttpResponse(status=429)  # htmx leaves the hint as it was
    place = similar.hint_place(request.POST)
    found = similar.similar_open_demands(content=request.POST.get("content", "")[:2000], **place,
                                         limit=similar.HINT_LIMIT)
    return render(request, "demands/_similar.html", {"similar": similar.hint_items(found)})


@_counted_as_tracking
def receipt(request, code):
    try:
        demand = selectors.demand_get_by_code(code)
    except NotFound as error:
        _not_found(error)
    return render(request, "demands/receipt.html", {"demand": demand,
                                                    "track_url": request.build_absolute_uri(reverse("demands:track_detail", args=[demand.tracking_code]))})


def track(request):
    if request.GET and over_limit(request, "track", settings.PAGE_TRACK_LIMIT, 3600):
        return too_many(request)
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("demands:track_detail", code=form.cleaned_data["code"])
    return render(request, "demands/track.html", {"form": form}, status=400 if form.is_bound else 200)


def _code_not_found(request, code, error):
    """An unknown code on any tracking page: the look-up form again, with the code and the reason."""
    return render(request, "demands/track.html", {"form": TrackForm(initial={"code": code}),
                                                  "not_found": error.message}, status=404)


@_counted_as_tracking
def track_detail(request, code):
    try:
        demand = selectors.demand_get_by_code(code)
    except NotFound as error:
        return _code_not_found(request, code, error)
    return _track_page(request, demand, SupplementForm())


def _track_page(request, demand, supplement_form, status=200, withdraw_form=None):
    followed = demand.merged_into if demand.merged_into_id else demand
    return render(request, "demands/track_detail.html", {
        "demand": demand,
        "followed": followed,
        "events": selectors.public_events(demand),
        "photos": demand.attachments.all(),
        "supplement_form": supplement_form if demand.status in OPEN_STATES or supplement_form.errors else None,
        "may_chase": services.refusal(ResidentActor(demand.pk), demand, Action.CHASE) is None,
        "withdraw_form": withdraw_form or (
            WithdrawForm() if services.refusal(ResidentActor(demand.pk), demand, Action.WITHDRAW) is None else None),
    }, status=status)


@require_POST
@_counted_as_tracking
def track_withdraw(request, code):
    """撤回 from the tracking page, while no unit has started on it."""
    try:
        demand = selectors.demand_get_by_code(code)
    except NotFound as error:
        return _code_not_found(request, code, error)
    form = WithdrawForm(request.POST)
    outcome = submit_form(form, lambda c: services.demand_withdraw(
        demand_id=demand.pk, actor=ResidentActor(demand.pk, via="tracking_code"), reason=c["reason"]))
    if outcome.ok:
        messages.success(request, _("Withdrawn. Nothing more will be done about it."))
        return redirect("demands:track_detail", code=demand.tracking_code)
    demand.refresh_from_db()
    if "reason" in form.errors:
        return _track_page(request, demand, SupplementForm(), status=outcome.status, withdraw_form=form)
    # Refused as a whole (a unit has started on it meanwhile): say so above the page as it now is.
    messages.error(request, " ".join(form.non_field_errors()))
    return _track_page(request, demand, SupplementForm(), status=outcome.status)


@require_POST
@_counted_as_tracking
def track_chase(request, code):
    """催办 from the tracking page, once the handling deadline has passed."""
    try:
        demand = selectors.demand_get_by_code(code)
    except NotFound as error:
        return _code_not_found(request, code, error)
    try:
        services.demand_chase(demand_id=demand.pk, actor=ResidentActor(demand.pk, via="tracking_code"))
    except ApplicationError as error:
        messages.error(request, error.message)
        demand.refresh_from_db()
        return _track_page(request, demand, SupplementForm(), status=error.http_status)
    messages.success(request, _("Chased. The unit and the supervisors have been told."))
    return redirect("demands:track_detail", code=demand.tracking_code)


@require_POST
@_counted_as_tracking
def track_supplement(request, code):
    """补充材料 from the tracking page: whoever holds the code is the resident who asked."""
    try:
        demand = selectors.demand_get_by_code(code)
    except NotFound as error:
        return _code_not_found(request, code, error)
    form = SupplementForm(request.POST, request.FILES)
    outcome = submit_form(form, lambda c: services.demand_supplement(
        demand_id=demand.pk, actor=ResidentActor(demand.pk, via="tracking_code"), text=c["text"], photos=c["photos"]))
    if outcome.ok:
        messages.success(request, _("Added. The unit handling your demand has been told."))
        return redirect("demands:track_detail", code=demand.tracking_code)
    demand.refresh_from_db()
    return _track_page(request, demand, form, status=outcome.status)


@require_http_methods(["GET", "POST"])
@_counted_as_tracking
def rate(request, token):
    """The private rating link from the SMS."""
    try:
        demand = selectors.demand_get_by_rating_token(token)
    except NotFound as error:
        return render(request, "demands/rate_invalid.html", {"message": error.message}, status=404)
    return _rate_page(request, demand, ResidentActor(demand.pk, via="rating_link"))


@require_http_methods(["GET", "POST"])
@_counted_as_tracking
def track_rate(request, code):
    """Rating from the tracking page, for the resident who holds the code."""
    try:
        demand = selectors.demand_get_by_code(code)
    except NotFound as error:
        return render(request, "demands/rate_invalid.html", {"message": error.message}, status=404)
    if demand.status != Status.VERIFIED:
        return render(request, "demands/rate_invalid.html",
                      {"message": _("This demand is not waiting for your rating.")}, status=404)
    return _rate_page(request, demand, ResidentActor(demand.pk, via="tracking_code"))


def _rate_page(request, demand, actor):
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.demand_rate(demand_id=demand.pk, actor=actor,
                                 rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Thank you: your rating was recorded."))
            return redirect("demands:track_detail", code=demand.tracking_code)
    return render(request, "demands/rate.html", {"demand": demand, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


# ---------------------------------------------------------------- staff pages
# Demand pages answer 404 to anonymous visitors too: a login redirect would confirm the id exists.


def _first_line(text: str) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


@login_required
def workbench(request):
    filterset, waiting_only = workbench_filterset(request)
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    for demand in page:
        demand.first_line = _first_line(demand.content)  # what a card shows of the content
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query["tab"] = "waiting" if waiting_only else "all"
    return render(request, "demands/workbench.html", {
        "filter": filterset,
        "active_filters": sum(1 for name in filterset.filters if request.GET.get(name, "").strip()),
        "page": page,
        "waiting_only": waiting_only,
        "query": query.urlencode(),
        "export_query": export_query.urlencode(),
        "open_orders": selectors.open_supervision_orders(viewer=request.user)[:20],
        "show_system_checks": can_see_system_checks(request.user),
    })


@dataclass
class ActionPanel:
    action: str
    label: str
    form: object
    primary: bool

    @property
    def open(self) -> bool:
        return self.primary or self.form.is_bound

    @property
    def refusal(self) -> bool:
        return self.action in REFUSALS


def _demand_point(demand) -> dict | None:
    """The resident's point, as text the map reads (never localised), with its grid's outline when it has one."""
    if demand.lat is None or demand.lng is None:
        return None
    grid = demand.grid
    return {"lat": f"{demand.lat:.6f}", "lng": f"{demand.lng:.6f}", "grid": grid,
            "outline": grid.geometry if grid is not None and grid.polygon else None}


def _detail_context(request, demand, failed_action=None, failed_form=None):
    panels = []
    for action, primary in offered_actions(request.user, demand):
        form = failed_form if action == failed_action else STAFF_ACTIONS[action][0](demand=demand, prefix=action)
        panels.append(ActionPanel(action, action_label(action), form, primary))
    if failed_action and failed_action not in [p.action for p in panels]:
        # Refused because the demand moved on meanwhile: the form stays, first, with the reason above it.
        panels.insert(0, ActionPanel(failed_action, action_label(failed_action), failed_form, True))
    orders = list(demand.supervision_orders.select_related("created_by", "answered_by"))
    from .permissions import is_unit_member

    can_answer = is_unit_member(request.user, demand)
    return {
        "demand": demand,
        "events": demand.events.select_related("actor").order_by("created_at", "id"),
        "primary_actions": [p for p in panels if p.primary],
        "other_actions": [p for p in panels if not p.primary],
        "failed_form": failed_form,
        "orders_to_answer": [o for o in orders if o.answered_at is None] if can_answer else [],
        "show_personal": can_see_personal_data(request.user, demand),
        "photos": demand.attachments.all(),
        "point": _demand_point(demand),
        "orders": orders,
        "can_answer_orders": can_answer,
        "answer_form": SupervisionAnswerForm(),
        "merged_demands": demand.merged_demands.all(),
        # The registered resident's own link to the tracking page; no one else is shown the code.
        "resident_code": demand.tracking_code if is_resident_submitter(request.user, demand) else None,
        "merge_candidates": similar.merge_candidates(viewer=request.user, demand=demand),
        "show_system_checks": can_see_system_checks(request.user),
        "reply_flag_reasons": reply_flag_reasons(demand.reply_flags) if can_see_system_checks(request.user) else [],
        # Joint handling: every department asked, its deadline, state and opinion (internal: staff pages only).
        "cohandlings": demand.cohandlings.select_related("department", "answered_by"),
        # After the lead's reply, a pending opinion is a missing one (docs/lifecycles.md#joint-handling).
        "replied": demand.status in (Status.RESOLVED, Status.VERIFIED, Status.CLOSED),
    }


def demand_detail(request, pk):
    try:
        demand = selectors.demand_get_for(viewer=request.user, pk=pk)
    except NotFound as error:
        _not_found(error)
    if not sees_internal_history(request.user):
        # A registered resident sees their demand as every resident does: the public timeline only.
        return redirect("demands:track_detail", code=demand.tracking_code)
    return render(request, "demands/detail.html", _detail_context(request, demand))


@require_POST
def demand_action(request, pk, action):
    try:
        demand = selectors.demand_get_for(viewer=request.user, pk=pk)
    except NotFound as error:
        _not_found(error)
    photos_scope = f"demand:{demand.pk}:{action}"
    outcome, form = submit_action(request, actions=STAFF_ACTIONS, action=action, obj=demand, object_kwarg="demand",
                                  before=lambda f: pending_uploads.carry_over(request, f, scope=photos_scope))
    if outcome.ok:
        pending_uploads.done(request, form)
        messages.success(request, _("Done: %(action)s.") % {"action": action_label(action)})
        return redirect("demands:detail", pk=demand.pk)
    pending_uploads.keep_after_failure(request, form, scope=photos_scope)
    demand.refresh_from_db()
    context = _detail_context(request, demand, failed_action=action, failed_form=form)
    return render(request, "demands/detail.html", context, status=outcome.status)


@require_POST
def supervision_answer(request, pk, order_id):
    try:
        demand = selectors.demand_get_for(viewer=request.user, pk=pk)
    except NotFound as error:
        _not_found(error)
    form = SupervisionAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.supervision_order_answer(order_id=order_id, actor=request.user, answer=form.cleaned_data["answer"])
        except NotFound as error:
            _not_found(error)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The answer was sent to the supervisors."))
    else:
        messages.error(request, _("Write the answer to the supervisors."))
    return redirect("demands:detail", pk=demand.pk)
