"""Evaluation pages: the public round (residents rate; results once published), the deputy's rating page, the
staff's rounds and exports, and the rectification pages. Thin: each validates a form and calls one service."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from core.pages import submit_action, submit_form
from core.ratelimit import over_limit, too_many

from . import export, selectors, services
from .forms import InterviewForm, PlanForm, RatingForm, RoundForm, VerifyForm
from .models import Rating
from .permissions import (
    is_evaluation_staff,
    may_view_rectifications,
    may_view_rounds,
    rating_deputy,
)
from .states import RectificationAction, RoundAction, RoundStatus

BROWSER_COOKIE = "evaluation_browser"
BROWSER_COOKIE_AGE = 400 * 24 * 3600


def _round(year, *, public=False):
    try:
        return selectors.round_get_public(year=year) if public else selectors.round_get(year=year)
    except NotFound as error:
        raise Http404(error.message) from None


# ---------------------------------------------------------------- public pages


def _browser_key(request) -> str:
    key = request.COOKIES.get(BROWSER_COOKIE, "")
    return key if 20 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum() else ""


def _keep_browser_key(response, key: str):
    response.set_cookie(BROWSER_COOKIE, key, max_age=BROWSER_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    # The key and "you have rated this unit" belong to this browser: a shared cache must never hand them on.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _public_context(request, round_, *, failed=None):
    sheets = selectors.round_sheets(round_) if round_.is_public else list(
        round_.sheets.select_related("department").order_by("kind", "department__code"))
    rated = set()
    key = _browser_key(request)
    if round_.status == RoundStatus.OPEN and key:
        rated = set(round_.sheets.filter(resident_ratings__voter=services.voter_digest(key, round_))
                    .values_list("pk", flat=True))
    return {"round": round_, "sheets": sheets, "rated": rated, "failed": failed, "S": RoundStatus,
            "rate_labels": list(selectors.RATE_LABELS.values()),
            "ratings": Rating.choices, "rounds": selectors.public_rounds(),
            "staff_rater": request.user.is_authenticated and services.round_refusal(
                request.user, round_, RoundAction.RATE_RESIDENT) is not None}


def public_home(request):
    round_ = selectors.round_current_public()
    if round_ is None:
        return render(request, "evaluations/public.html", {"round": None})
    return redirect("evaluations_public:round", year=round_.year)


def public_round(request, year):
    round_ = _round(year, public=True)
    response = render(request, "evaluations/public.html", _public_context(request, round_))
    if round_.status == RoundStatus.OPEN:
        _keep_browser_key(response, _browser_key(request) or secrets.token_urlsafe(24))
    return response


@require_POST
def public_rate(request, year):
    round_ = _round(year, public=True)
    if over_limit(request, "evaluation_rate", settings.EVALUATION_RATE_LIMIT, 3600):
        return too_many(request)
    # The page gave this browser its key; a post without one is refused (the service says so), never given a fresh
    # key, or a client that drops cookies would rate the same unit again with every post.
    key = _browser_key(request)
    form = RatingForm(request.POST)
    outcome = submit_form(form, lambda c: services.rate_as_resident(
        round_id=round_.pk, actor=request.user, sheet_id=c["unit"], rating=c["rating"], comment=c["comment"],
        browser_key=key))
    if outcome.ok:
        messages.success(request, _("Thank you. Your rating of %(unit)s was recorded.") % {
            "unit": outcome.value.sheet.department})
        response = redirect("evaluations_public:round", year=round_.year)
    else:
        failed = {"unit": request.POST.get("unit", ""), "form": form}
        response = render(request, "evaluations/public.html", _public_context(request, round_, failed=failed),
                          status=outcome.status)
    return _keep_browser_key(response, key or secrets.token_urlsafe(24))


# ---------------------------------------------------------------- deputies


def _deputy_context(request, round_, *, failed=None):
    deputy = rating_deputy(request.user)
    mine = dict(round_.sheets.filter(deputy_ratings__deputy=deputy).values_list("pk", "deputy_ratings__rating")) \
        if deputy else {}
    sheets = list(round_.sheets.select_related("department").order_by("kind", "department__code"))
    for sheet in sheets:
        sheet.mine = Rating(mine[sheet.pk]).label if sheet.pk in mine else None
    return {"round": round_, "sheets": sheets, "ratings": Rating.choices, "failed": failed,
            "refusal": services.round_refusal(request.user, round_, RoundAction.RATE_DEPUTY),
            "done": len(mine), "total": len(sheets)}


@login_required
def deputy_rate(request, year):
    if rating_deputy(request.user) is None:
        raise Http404
    round_ = _round(year)
    if round_.status == RoundStatus.DRAFT:
        raise Http404
    if request.method != "POST":
        return render(request, "evaluations/deputy.html", _deputy_context(request, round_))
    form = RatingForm(request.POST)
    outcome = submit_form(form, lambda c: services.rate_as_deputy(
        round_id=round_.pk, actor=request.user, sheet_id=c["unit"], rating=c["rating"], comment=c["comment"]))
    if outcome.ok:
        messages.success(request, _("Your rating of %(unit)s was recorded.") % {"unit": outcome.value.sheet.department})
        return redirect("evaluations:deputy_rate", year=round_.year)
    failed = {"unit": request.POST.get("unit", ""), "form": form}
    return render(request, "evaluations/deputy.html", _deputy_context(request, round_, failed=failed),
                  status=outcome.status)


# ---------------------------------------------------------------- staff: rounds


def _require_viewer(request):
    if not may_view_rounds(request.user):
        raise Http404


@login_required
def round_list(request):
    _require_viewer(request)
    return render(request, "evaluations/staff_list.html", {
        "rounds": selectors.round_list(viewer=request.user),
        "form": RoundForm() if is_evaluation_staff(request.user) else None,
    })


@login_required
@require_POST
def round_create(request):
    _require_viewer(request)
    form = RoundForm(request.POST)
    outcome = submit_form(form, lambda c: services.round_create(
        actor=request.user, year=c["year"], title=c["title"], units=c["units"],
        public_service_units=c["public_service_units"], min_score=c["min_score"],
        min_satisfaction=c["min_satisfaction"]))
    if outcome.ok:
        messages.success(request, _("The evaluation round was created."))
        return redirect("evaluations:round", year=outcome.value.year)
    return render(request, "evaluations/staff_list.html", {
        "rounds": selectors.round_list(viewer=request.user), "form": form}, status=outcome.status)


ROUND_ACTIONS = {
    RoundAction.OPEN: (services.round_open, gettext_lazy("Rating is open.")),
    RoundAction.COUNT: (services.round_count, gettext_lazy("The round was counted.")),
    RoundAction.PUBLISH: (services.round_publish, gettext_lazy("The results were published.")),
    RoundAction.CLOSE: (services.round_close, gettext_lazy("The round was closed.")),
}


def _round_context(request, round_, refusal=None):
    return {"round": round_, "sheets": selectors.round_sheets(round_), "refusal": refusal,
            "rate_labels": list(selectors.RATE_LABELS.values()),
            "actions": services.ROUNDS.available_actions(request.user, round_, list(ROUND_ACTIONS)),
            "events": round_.events.order_by("created_at", "id"), "S": RoundStatus,
            "comments": selectors.round_comments(round_),
            "rectifications": {r.sheet_id: r for r in selectors.rectification_list(viewer=request.user)
                               .filter(sheet__round=round_)}}


@login_required
def round_detail(request, year):
    _require_viewer(request)
    return render(request, "evaluations/staff_round.html", _round_context(request, _round(year)))


@login_required
@require_POST
def round_action(request, year, action):
    _require_viewer(request)
    if action not in ROUND_ACTIONS:
        raise Http404
    round_ = _round(year)
    call, done = ROUND_ACTIONS[action]
    try:
        call(round_id=round_.pk, actor=request.user)
    except NotFound as error:
        raise Http404(error.message) from None
    except ApplicationError as error:
        round_.refresh_from_db()
        return render(request, "evaluations/staff_round.html", _round_context(request, round_, error.message),
                      status=error.http_status)
    messages.success(request, done)
    return redirect("evaluations:round", year=round_.year)


@login_required
def round_export(request, year, fmt):
    _require_viewer(request)
    round_ = _round(year)
    return export.response(round_, fmt)


# ---------------------------------------------------------------- rectification


RECTIFICATION_ACTIONS = {
    RectificationAction.PLAN: (PlanForm, lambda pk, user, c: services.rectification_plan(
        rectification_id=pk, actor=user, plan=c["plan"])),
    RectificationAction.INTERVIEW: (InterviewForm, lambda pk, user, c: services.rectification_interview(
        rectification_id=pk, actor=user, held_on=c["held_on"], held_by=c["held_by"], notes=c["notes"])),
    RectificationAction.VERIFY: (VerifyForm, lambda pk, user, c: services.rectification_verify(
        rectification_id=pk, actor=user, verification=c["verification"])),
}
DONE = {
    RectificationAction.PLAN: gettext_lazy("The rectification plan was submitted."),
    RectificationAction.INTERVIEW: gettext_lazy("The interview was recorded."),
    RectificationAction.VERIFY: gettext_lazy("The rectification was verified."),
}


def _rectification(request, pk):
    try:
        return selectors.rectification_get_for(viewer=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
def rectification_list(request):
    if not may_view_rectifications(request.user):
        raise Http404
    rectifications = selectors.rectification_list(viewer=request.user)
    return render(request, "evaluations/rectification_list.html", {"rectifications": rectifications})


def _rectification_page(request, rectification, *, status=200, failed_action=None, failed_form=None):
    forms = {}
    for action, (form_class, _call) in RECTIFICATION_ACTIONS.items():
        if services.rectification_refusal(request.user, rectification, action) is None:
            forms[action] = failed_form if action == failed_action else form_class(
                prefix=action, rectification=rectification)
    refusal = None
    if failed_form is not None and failed_action not in forms:
        refusal = " ".join(str(e) for e in failed_form.non_field_errors())
    return render(request, "evaluations/rectification.html", {
        "rectification": rectification, "sheet": selectors.sheet_view(rectification.sheet),
        "events": rectification.events.order_by("created_at", "id"),
        "plan_form": forms.get(RectificationAction.PLAN), "interview_form": forms.get(RectificationAction.INTERVIEW),
        "verify_form": forms.get(RectificationAction.VERIFY), "refusal": refusal,
    }, status=status)


def rectification_detail(request, pk):
    # Anonymous visitors get the same 404 as outsiders: a login redirect would confirm that the id exists.
    return _rectification_page(request, _rectification(request, pk))


@require_POST
def rectification_action(request, pk, action):
    rectification = _rectification(request, pk)
    outcome, form = submit_action(request, actions=RECTIFICATION_ACTIONS, action=action, obj=rectification,
                                  object_kwarg="rectification")
    if outcome.ok:
        messages.success(request, DONE[action])
        return redirect("evaluations:rectification", pk=rectification.pk)
    rectification.refresh_from_db()
    return _rectification_page(request, rectification, status=outcome.status, failed_action=action, failed_form=form)
