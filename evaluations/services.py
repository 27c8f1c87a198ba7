"""Every change to an evaluation round and to a rectification: one function per action, each one transaction with
the row locked, on the shared workflow engine (docs/lifecycles.md#evaluations)."""

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Department
from core.validators import valid_pk
from core.workflow import Lifecycle

from . import selectors
from .models import (
    MAX_COMMENT_LENGTH,
    MAX_TEXT_LENGTH,
    DeputyRating,
    Rating,
    Rectification,
    RectificationEvent,
    ResidentRating,
    Round,
    RoundEvent,
    Sheet,
    UnitKind,
)
from .permissions import (
    RECTIFICATION_CAN,
    ROUND_CAN,
    can_view_rectification,
    can_view_round,
    is_evaluation_staff,
    rating_deputy,
)
from .states import (
    RECTIFICATION_TRANSITIONS,
    ROUND_TRANSITIONS,
    RectificationAction,
    RectificationStatus,
    RoundAction,
    RoundStatus,
)


def _open_guard(actor, round_):
    return None if round_.sheets.exists() else _("Choose at least one unit to evaluate first.")


def _close_guard(actor, round_):
    if Rectification.objects.filter(sheet__round=round_).exclude(status=RectificationStatus.DONE).exists():
        return _("Every rectification of this round must be verified before the round is closed.")
    return None


ROUNDS = Lifecycle(
    model=Round,
    transitions=ROUND_TRANSITIONS,
    can=ROUND_CAN,
    can_view=can_view_round,
    guards={RoundAction.OPEN: _open_guard, RoundAction.CLOSE: _close_guard},
    refused=gettext_lazy("“%(action)s” is not possible while the evaluation round is “%(status)s”."),
    state_refusals={
        RoundAction.RATE_DEPUTY: gettext_lazy("This evaluation round is not open for rating."),
        RoundAction.RATE_RESIDENT: gettext_lazy("This evaluation round is not open for rating."),
    },
    forbidden={
        RoundAction.RATE_DEPUTY: gettext_lazy("Deputies of the district people's congress rate the units here."),
        RoundAction.RATE_RESIDENT: gettext_lazy("Staff accounts do not rate as residents."),
        **{a: gettext_lazy("Only the district people's congress staff run the evaluation rounds.")
           for a in (RoundAction.OPEN, RoundAction.COUNT, RoundAction.PUBLISH, RoundAction.CLOSE)},
    },
    missing=gettext_lazy("No such evaluation round."),
    status_label=lambda status: RoundStatus(status).label,
    action_label=lambda action: RoundAction(action).label,
    event_model=RoundEvent,
    event_owner=lambda round_: {"round": round_},
)

RECTIFICATIONS = Lifecycle(
    model=Rectification,
    transitions=RECTIFICATION_TRANSITIONS,
    can=RECTIFICATION_CAN,
    can_view=can_view_rectification,
    refused=gettext_lazy("“%(action)s” is not possible while the rectification is “%(status)s”."),
    forbidden={
        RectificationAction.PLAN: gettext_lazy("The unit's own handlers submit its rectification plan."),
        RectificationAction.INTERVIEW: gettext_lazy("Only the district people's congress staff record the interview."),
        RectificationAction.VERIFY: gettext_lazy("Only the district people's congress staff verify the rectification."),
    },
    missing=gettext_lazy("No such rectification."),
    status_label=lambda status: RectificationStatus(status).label,
    action_label=lambda action: RectificationAction(action).label,
    event_model=RectificationEvent,
    event_owner=lambda rectification: {"rectification": rectification},
)


def round_refusal(actor, round_, action) -> str | None:
    return ROUNDS.refusal(actor, round_, action)


def rectification_refusal(actor, rectification, action) -> str | None:
    return RECTIFICATIONS.refusal(actor, rectification, action)


def _text(value, field: str, *, limit: int, required: bool = False, message=None) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(field_errors={field: [_("Null characters are not allowed.")]})
    if len(value) > limit:
        raise InvalidInput(field_errors={field: [_("At most %(limit)s characters.") % {"limit": limit}]})
    if required and not value:
        raise InvalidInput(field_errors={field: [message or _("This field is required.")]})
    return value


def _rating(value) -> str:
    if value not in Rating.values:
        raise InvalidInput(field_errors={"rating": [_("Choose how satisfied you are with this unit.")]})
    return value


# ---------------------------------------------------------------- the round


@transaction.atomic
def round_create(*, actor, year: int, title: str = "", units=(), public_service_units=(), min_score=None,
                 min_satisfaction=None) -> Round:
    """A new round in draft, with the units it evaluates (a public service unit is marked as one)."""
    if not is_evaluation_staff(actor):
        raise NotPermitted(_("Only the district people's congress staff run the evaluation rounds."))
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2999:
        raise InvalidInput(field_errors={"year": [_("Enter a year such as 2025.")]})
    if Round.objects.filter(year=year).exists():
        raise TransitionNotAllowed(_("There is already an evaluation round for %(year)s.") % {"year": year})
    ids = {int(getattr(u, "pk", u)) for u in units if valid_pk(getattr(u, "pk", u))}
    public = {int(getattr(u, "pk", u)) for u in public_service_units if valid_pk(getattr(u, "pk", u))}
    departments = list(Department.objects.filter(pk__in=ids | public, is_active=True))
    if not departments:
        raise InvalidInput(field_errors={"units": [_("Choose at least one unit to evaluate.")]})
    title = _text(title, "title", limit=100) or _("%(year)s satisfaction evaluation of departments and public "
                                                  "service units") % {"year": year}
    fields = {"year": year, "title": title}
    if min_score is not None:
        fields["min_score"] = min_score
    if min_satisfaction is not None:
        fields["min_satisfaction"] = min_satisfaction
    try:
        with transaction.atomic():
            round_ = Round.objects.create(**fields)
    except IntegrityError:
        raise TransitionNotAllowed(_("There is already an evaluation round for %(year)s.") % {"year": year}) from None
    Sheet.objects.bulk_create([
        Sheet(round=round_, department=d, kind=UnitKind.PUBLIC_SERVICE if d.pk in public else UnitKind.DEPARTMENT)
        for d in departments])
    ROUNDS.record(round_, actor=actor, action=RoundAction.CREATE, from_status="",
                  data={"units": len(departments)})
    return round_


@transaction.atomic
def round_open(*, round_id, actor) -> Round:
    round_ = ROUNDS.begin(round_id, actor, RoundAction.OPEN)
    ROUNDS.apply(round_, actor=actor, action=RoundAction.OPEN)
    return round_


@transaction.atomic
def round_count(*, round_id, actor) -> Round:
    """Rating ends: each sheet's figures and ratings are frozen with its score, and whether it is below the
    threshold. The round row is locked, so no rating slips in between the count and the state change."""
    round_ = ROUNDS.begin(round_id, actor, RoundAction.COUNT)
    views = selectors.round_sheets(round_)  # live: the round is still open here
    sheets = [view.sheet for view in views]
    below = 0
    for view in views:
        sheet = view.sheet
        sheet.figures, sheet.deputy_counts, sheet.resident_counts = view.figures, view.deputies, view.residents
        sheet.score, sheet.rated_satisfaction = view.result.score, view.result.rated_satisfaction
        sheet.below_threshold = view.below
        below += view.below
    Sheet.objects.bulk_update(sheets, ["figures", "deputy_counts", "resident_counts", "score", "rated_satisfaction",
                                       "below_threshold"])
    ROUNDS.apply(round_, actor=actor, action=RoundAction.COUNT, changes={"counted_at": timezone.now()},
                 data={"units": len(sheets), "below_threshold": below})
    return round_


@transaction.atomic
def round_publish(*, round_id, actor) -> Round:
    """The results go public, and each unit below the threshold gets its rectification task."""
    round_ = ROUNDS.begin(round_id, actor, RoundAction.PUBLISH)
    now = timezone.now()
    ROUNDS.apply(round_, actor=actor, action=RoundAction.PUBLISH, changes={"published_at": now})
    for sheet in round_.sheets.filter(below_threshold=True).select_related("department"):
        rectification, created = Rectification.objects.get_or_create(sheet=sheet, defaults={
            "created_at": now, "updated_at": now})
        if created:
            RECTIFICATIONS.record(rectification, actor=actor, action=RectificationAction.CREATE, from_status="",
                                  at=now, data={"score": str(sheet.score) if sheet.score is not None else None})
    return round_


@transaction.atomic
def round_close(*, round_id, actor) -> Round:
    round_ = ROUNDS.begin(round_id, actor, RoundAction.CLOSE)
    ROUNDS.apply(round_, actor=actor, action=RoundAction.CLOSE)
    return round_


def _sheet_of(round_, sheet_id) -> Sheet:
    sheet = round_.sheets.filter(pk=sheet_id).first() if valid_pk(sheet_id) else None
    if sheet is None:
        raise InvalidInput(field_errors={"unit": [_("Choose one of the units evaluated in this round.")]})
    return sheet


@transaction.atomic
def rate_as_deputy(*, round_id, actor, sheet_id, rating: str, comment: str = "") -> DeputyRating:
    """A deputy rates one unit, once: a second rating of the same unit is refused (the constraint decides, so two
    posts at once cannot both count). No event: the rating row is the record, and it never goes public."""
    round_ = ROUNDS.begin(round_id, actor, RoundAction.RATE_DEPUTY)
    sheet = _sheet_of(round_, sheet_id)
    rating, comment = _rating(rating), _text(comment, "comment", limit=MAX_COMMENT_LENGTH)
    try:
        with transaction.atomic():
            return DeputyRating.objects.create(sheet=sheet, deputy=rating_deputy(actor), rating=rating,
                                               comment=comment)
    except IntegrityError:
        raise TransitionNotAllowed(_("You have already rated %(unit)s in this round.") % {
            "unit": sheet.department}) from None


def voter_digest(browser_key: str, round_) -> str:
    """What is stored for a resident's browser: a digest of its random cookie and the round, never the cookie."""
    return hashlib.sha256(f"{round_.pk}:{browser_key}".encode()).hexdigest()


@transaction.atomic
def rate_as_resident(*, round_id, actor, sheet_id, rating: str, comment: str = "", browser_key: str) -> ResidentRating:
    """A resident's anonymous rating, once per unit from one browser (the page limits each address too)."""
    round_ = ROUNDS.begin(round_id, actor, RoundAction.RATE_RESIDENT)
    sheet = _sheet_of(round_, sheet_id)
    rating, comment = _rating(rating), _text(comment, "comment", limit=MAX_COMMENT_LENGTH)
    if not browser_key:
        raise InvalidInput(field_errors={"unit": [_("Please allow cookies for this site to rate.")]})
    try:
        with transaction.atomic():
            return ResidentRating.objects.create(sheet=sheet, voter=voter_digest(browser_key, round_), rating=rating,
                                                 comment=comment)
    except IntegrityError:
        raise TransitionNotAllowed(_("You have already rated %(unit)s. Thank you.") % {
            "unit": sheet.department}) from None


# ---------------------------------------------------------------- rectification


def _lock(pk, actor, action) -> Rectification:
    return RECTIFICATIONS.begin(pk, actor, action,
                                queryset=Rectification.objects.select_related("sheet__department", "sheet__round"))


@transaction.atomic
def rectification_plan(*, rectification_id, actor, plan: str) -> Rectification:
    rectification = _lock(rectification_id, actor, RectificationAction.PLAN)
    plan = _text(plan, "plan", limit=MAX_TEXT_LENGTH, required=True,
                 message=_("Write down what the unit will change, and by when."))
    RECTIFICATIONS.apply(rectification, actor=actor, action=RectificationAction.PLAN, changes={"plan": plan},
                         note=plan)
    return rectification


@transaction.atomic
def rectification_interview(*, rectification_id, actor, held_on, held_by: str, notes: str) -> Rectification:
    """约谈: when, who held it (and with whom), and what was said and agreed."""
    rectification = _lock(rectification_id, actor, RectificationAction.INTERVIEW)
    if held_on is None or held_on > timezone.localdate():
        raise InvalidInput(field_errors={"held_on": [_("Enter the day the interview was held (not a future day).")]})
    held_by = _text(held_by, "held_by", limit=200, required=True,
                    message=_("Name who held the interview and who attended for the unit."))
    notes = _text(notes, "notes", limit=MAX_TEXT_LENGTH, required=True,
                  message=_("Write down what was said and agreed."))
    RECTIFICATIONS.apply(rectification, actor=actor, action=RectificationAction.INTERVIEW, note=notes,
                         changes={"interview_on": held_on, "interview_by": held_by, "interview_notes": notes},
                         data={"held_on": held_on.isoformat(), "held_by": held_by})
    return rectification


@transaction.atomic
def rectification_verify(*, rectification_id, actor, verification: str) -> Rectification:
    rectification = _lock(rectification_id, actor, RectificationAction.VERIFY)
    verification = _text(verification, "verification", limit=MAX_TEXT_LENGTH, required=True,
                         message=_("Write down how the rectification was checked."))
    RECTIFICATIONS.apply(rectification, actor=actor, action=RectificationAction.VERIFY, note=verification,
                         changes={"verification": verification, "verified_by": actor, "done_at": timezone.now()})
    return rectification
