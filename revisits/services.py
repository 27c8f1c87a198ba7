"""Every change to a call-back task: one function per action, each one transaction with the task locked.

A reopen after a call-back goes through demands.services like every change to a demand: the resident's
dissatisfaction, heard on the phone, reopens the demand as a first "dissatisfied" rating does (the system acts on
the resident's word; the call-back's own history names the caller).
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.lookups import Exact, In
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import SYSTEM
from core.errors import InvalidInput, NotPermitted
from core.workflow import Lifecycle
from demands import services as demand_services
from demands.models import Demand, DemandEvent, Rating
from demands.permissions import can_see_personal_data
from demands.states import Action as DemandAction

from .models import MAX_SAID_LENGTH, RevisitEvent, RevisitTask
from .permissions import CAN, can_view_task, centre_may_call, why_not_callable
from .states import TRANSITIONS, Action, Reason, Status

log = logging.getLogger(__name__)


def _callable_guard(actor, task):
    return why_not_callable(task)


def _uncallable_guard(actor, task):
    if centre_may_call(task):
        return _("This resident can be called; record the call instead (a task not reached closes after "
                 "%(attempts)s attempts).") % {"attempts": settings.REVISIT_MAX_ATTEMPTS}
    return None


REVISITS = Lifecycle(
    model=RevisitTask,
    transitions=TRANSITIONS,
    can=CAN,
    can_view=can_view_task,
    guards={
        Action.REVEAL: _callable_guard,
        Action.REACH: _callable_guard,
        Action.MISS: _callable_guard,
        Action.CLOSE_UNCALLABLE: _uncallable_guard,
    },
    refused=gettext_lazy("“%(action)s” is not possible: the call-back is “%(status)s”."),
    forbidden={action: gettext_lazy("Only the centre answering for this demand calls the resident back.")
               for action in CAN},
    missing=gettext_lazy("No such call-back task."),
    status_label=lambda status: Status(status).label,
    action_label=lambda action: Action(action).label,
    event_model=RevisitEvent,
    event_owner=lambda task: {"task": task},
)


def refusal(actor, task, action) -> str | None:
    return REVISITS.refusal(actor, task, action)


def _lock(task_id, actor, action) -> RevisitTask:
    task = REVISITS.begin(task_id, actor, action,
                          queryset=RevisitTask.objects.select_related("demand"))
    return task


def _clean_text(value, field: str, *, required: bool, message=None, limit: int = MAX_SAID_LENGTH) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(field_errors={field: [_("Null characters are not allowed.")]})
    if len(value) > limit:
        raise InvalidInput(field_errors={field: [_("At most %(limit)s characters.") % {"limit": limit}]})
    if required and not value:
        raise InvalidInput(field_errors={field: [message]})
    return value


# ---------------------------------------------------------------- the demand's call-back flags

SATISFIED_SIDE = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


def _flag_expressions() -> dict:
    """The four call-back flags of a demand (docs/figures.md#call-back-figures) as expressions on its row, from its
    tasks and its rating and round now."""
    tasks = RevisitTask.objects.filter(demand_id=OuterRef("pk"))
    reached = tasks.filter(status=Status.REACHED)
    this_round = reached.filter(round=OuterRef("rework_count"))
    latest_view = Subquery(this_round.order_by("-closed_at", "-id").values("view")[:1])
    compared = ~Q(rating="") & Exists(this_round)
    agrees = compared & (
        (Q(rating__in=SATISFIED_SIDE) & In(latest_view, list(SATISFIED_SIDE)))
        | (Q(rating=Rating.DISSATISFIED) & Exact(latest_view, Rating.DISSATISFIED)))

    def flag(condition):
        return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())

    return {
        "callback_due": flag(~Q(contact_phone="") & Exists(tasks.exclude(status=Status.UNCALLABLE))),
        "callback_reached": flag(Exists(reached)),
        "callback_compared": flag(compared),
        "callback_agrees": flag(agrees),
    }


def refresh_callback_flags(demand_ids) -> int:
    """Recompute the call-back flags of these demands (ids, or a queryset of them) in one UPDATE that writes only
    the rows whose flags change: the figure ledger's trigger then moves their counts, and nothing else is touched
    (not a state change of the demand, so not its lifecycle, its history or its `updated_at`). Called whenever a
    task falls due or closes and whenever the rating or the round of a demand changes; returns the rows changed."""
    flags = _flag_expressions()
    changed = Demand.objects.filter(pk__in=demand_ids).exclude(**flags)
    return changed.update(**flags)


def callback_flags_for_event(*, event_id) -> None:
    """After a demand event that sets or clears the rating or starts a new round (rate, reopen, expired rating)."""
    demand_id = DemandEvent.objects.filter(pk=event_id).values_list("demand_id", flat=True).first()
    if demand_id is not None:
        refresh_callback_flags([demand_id])


# ---------------------------------------------------------------- falling due


def _due(event: DemandEvent) -> str | None:
    """Which call-back a demand event makes due: the unit's reply, or a dissatisfied rating; None otherwise."""
    if event.action == DemandAction.RESOLVE:
        return Reason.REPLY
    if event.action == DemandAction.RATE and (event.data or {}).get("rating") == Rating.DISSATISFIED:
        return Reason.DISSATISFIED
    return None


def revisit_tasks_for_event(*, event_id) -> RevisitTask | None:
    """The call-back a committed demand event makes due, created once: a repeated or concurrent call finds the
    (demand, reason, round) taken and adds nothing. Returns the task, or None when the event needs none."""
    event = DemandEvent.objects.filter(pk=event_id).only("pk", "demand_id", "action", "data", "created_at").first()
    reason = _due(event) if event is not None else None
    if reason is None:
        return None
    # The round the event happened in: how many reopens the demand had before it (the immutable history, not the
    # demand now, which a first "dissatisfied" rating has already reopened).
    round_ = DemandEvent.objects.filter(demand_id=event.demand_id, action=DemandAction.REOPEN, pk__lt=event.pk).count()
    try:
        with transaction.atomic():
            task = RevisitTask.objects.create(demand_id=event.demand_id, reason=reason, round=round_,
                                              source_event_id=event.pk, created_at=event.created_at,
                                              updated_at=event.created_at)
            REVISITS.record(task, actor=SYSTEM, action=Action.CREATE, from_status="", at=event.created_at)
            refresh_callback_flags([event.demand_id])
    except IntegrityError:
        # Already due: the signal came twice, or a second worker got there first (the unique constraint decides).
        return RevisitTask.objects.get(demand_id=event.demand_id, reason=reason, round=round_)
    return task


def revisit_tasks_backfill() -> int:
    """Every call-back the demand history makes due, created where missing (the demo, or after a receiver failed).
    Safe to run twice. Returns how many call-backs the history makes due."""
    events = DemandEvent.objects.filter(action__in=[DemandAction.RESOLVE, DemandAction.RATE, DemandAction.REOPEN])
    rounds: dict[int, int] = {}
    tasks = []
    for pk, demand_id, action, data, created_at in events.order_by("demand_id", "id").values_list(
            "pk", "demand_id", "action", "data", "created_at").iterator(chunk_size=5000):
        if action == DemandAction.REOPEN:
            rounds[demand_id] = rounds.get(demand_id, 0) + 1
            continue
        reason = _due(DemandEvent(action=action, data=data))
        if reason is not None:
            tasks.append(RevisitTask(demand_id=demand_id, reason=reason, round=rounds.get(demand_id, 0),
                                     source_event_id=pk, created_at=created_at, updated_at=created_at))
    with transaction.atomic():
        RevisitTask.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=1000)
        missing = RevisitTask.objects.filter(events__isnull=True)
        REVISITS.record_many([(REVISITS.build_event(t, actor=SYSTEM, action=Action.CREATE, from_status="",
                                                    at=t.created_at), t) for t in missing])
        # Every demand with a call-back, set-based: also mends flags a failed receiver left behind.
        refresh_callback_flags(RevisitTask.objects.values("demand_id"))
    return len(tasks)


# ---------------------------------------------------------------- the call


@transaction.atomic
def revisit_reveal(*, task_id, actor) -> str:
    """The resident's number, for this one call: recorded in the task's history (who, when) and never stored
    anywhere else. The page shows it in its answer to the press and nowhere later."""
    task = _lock(task_id, actor, Action.REVEAL)
    if not can_see_personal_data(actor, task.demand):  # the demands app's rule for the number, whoever calls
        raise NotPermitted(_("Only the centre answering for this demand calls the resident back."))
    REVISITS.apply(task, actor=actor, action=Action.REVEAL)
    return task.demand.contact_phone


@transaction.atomic
def revisit_reach(*, task_id, actor, said: str, view: str, reopen: bool = False, reopen_reason: str = "") -> RevisitTask:
    """The resident answered: what they said and how satisfied they are. A resident still not satisfied may have
    the demand handled again, through the demand's own reopen (its state and window decide)."""
    task = _lock(task_id, actor, Action.REACH)
    said = _clean_text(said, "said", required=True, message=_("Write down what the resident said."))
    if view not in Rating.values:
        raise InvalidInput(field_errors={"view": [_("Choose how satisfied the resident is.")]})
    reopen_reason = _clean_text(reopen_reason, "reopen_reason", required=False, limit=500)
    if reopen:
        if view != Rating.DISSATISFIED:
            raise InvalidInput(field_errors={"reopen": [
                _("A demand is handled again after a call-back only when the resident is not satisfied.")]})
        # The demands service decides whether its state and the reopen window allow it; a refusal (409) rolls back
        # this whole call record too, so the caller can try again without it.
        demand_services.demand_reopen(
            demand_id=task.demand_id, actor=SYSTEM,
            reason=reopen_reason or _("At the call-back the resident said the matter is not settled; the demand is "
                                      "handled again."))
    now = timezone.now()
    REVISITS.apply(task, actor=actor, action=Action.REACH, note=said,
                   changes={"attempts": task.attempts + 1, "said": said, "view": view, "reopened": bool(reopen),
                            "closed_at": now},
                   data={"view": view, "attempt": task.attempts + 1, "reopened": bool(reopen)})
    refresh_callback_flags([task.demand_id])
    return task


@transaction.atomic
def revisit_miss(*, task_id, actor, note: str = "") -> RevisitTask:
    """Nobody answered (or a wrong number): one attempt more; the last allowed attempt closes the task."""
    task = _lock(task_id, actor, Action.MISS)
    note = _clean_text(note, "note", required=False, limit=500)
    attempts = task.attempts + 1
    last = attempts >= settings.REVISIT_MAX_ATTEMPTS
    changes = {"attempts": attempts}
    if last:
        changes["closed_at"] = timezone.now()
    REVISITS.apply(task, actor=actor, action=Action.MISS, changes=changes, note=note,
                   to_status=Status.UNREACHED if last else None, data={"attempt": attempts})
    refresh_callback_flags([task.demand_id])
    return task


@transaction.atomic
def revisit_close_uncallable(*, task_id, actor, note: str = "") -> RevisitTask:
    """No number to call (an anonymous demand), or not the centre's to call: closed, and left out of 回访率."""
    task = _lock(task_id, actor, Action.CLOSE_UNCALLABLE)
    note = _clean_text(note, "note", required=False, limit=500)
    REVISITS.apply(task, actor=actor, action=Action.CLOSE_UNCALLABLE, changes={"closed_at": timezone.now()},
                   note=note)
    refresh_callback_flags([task.demand_id])
    return task
