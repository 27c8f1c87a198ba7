"""Periodic sweeps: the escalation ladder, the unaccepted-order reminder, rating reminders and expiry (docs/lifecycles.md#escalation).

Everything is computed from database state, so a sweep that runs late catches up and a sweep that runs twice,
or in two workers at once, changes nothing twice: each demand is handled in its own transaction with its row
locked, and a level or reminder already recorded counts as done. A late sweep applies only the level a demand has
reached now (one event, one set of notices), not every level it passed while the sweep was stopped; and a demand has
at most one open supervision order: reaching level 3 with one already open adds none.
"""

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from . import sla
from . import signals
from .models import Demand, DemandEvent, SupervisionOrder
from core.actors import SYSTEM
from .permissions import CAN
from .services import DEMANDS, demand_expire_rating
from .states import HANDLING_STATES, Action, Status

log = logging.getLogger(__name__)

WARNING, OVERDUE, SUPERVISED = 1, 2, 3
# level -> the stored moment from which it applies
LEVEL_FIELDS = {WARNING: "warn_at", OVERDUE: "resolve_deadline", SUPERVISED: "supervise_at"}
RATING_REMINDERS = [dt.timedelta(hours=24), dt.timedelta(hours=72)]
RATING_WINDOW = dt.timedelta(days=7)
BATCH = 500


def _handling():
    return Demand.objects.filter(status__in=list(HANDLING_STATES))


def due_for_escalation(now: dt.datetime) -> list[int]:
    """Ids of demands owed at least one level. Each query matches one partial index."""
    ids = set()
    for level, field in LEVEL_FIELDS.items():
        ids.update(_handling().filter(escalation_level__lt=level, **{f"{field}__lte": now}).values_list("pk", flat=True))
    return sorted(ids)


def _target_level(demand, now) -> int:
    target = 0
    for level, field in LEVEL_FIELDS.items():
        moment = getattr(demand, field)
        if moment is not None and moment <= now:
            target = level
    return target


def _level_owed(demand, now) -> int | None:
    """The level the demand has reached now if it is not recorded yet; the levels passed on the way are not owed
    (a sweep after a stop must not stamp warning, overdue and supervised in the same minute)."""
    target = _target_level(demand, now)
    return target if target > demand.escalation_level else None


def open_order_demand_ids(demand_ids) -> set[int]:
    """Those of `demand_ids` with an unanswered supervision order: they get no second one."""
    if not demand_ids:
        return set()
    return set(SupervisionOrder.objects.filter(demand_id__in=demand_ids, answered_at__isnull=True)
               .values_list("demand_id", flat=True))


def _supervision_order(demand, now) -> SupervisionOrder:
    return SupervisionOrder(
        demand=demand, source=SupervisionOrder.Source.ESCALATION, created_at=now,
        note=_("One working day past the deadline: supervised automatically."),
        due_date=timezone.localtime(sla.add_working_days(now, 1)).date(),
    )


def _escalation_event(demand, level, now) -> DemandEvent:
    return DEMANDS.build_event(
        demand, actor=SYSTEM, action=Action.ESCALATE, from_status=demand.status, at=now, note=str(LEVEL_LABELS[level]),
        data={"level": level, "from_level": demand.escalation_level,
              "deadline": demand.resolve_deadline.isoformat() if demand.resolve_deadline else None},
        public=False,
    )


@transaction.atomic
def demand_escalate(*, demand_id: int, now: dt.datetime | None = None) -> int:
    """Apply the level one demand has reached now; returns how many levels were written (0 if already done)."""
    now = now or timezone.now()
    demand = DEMANDS.begin(demand_id, SYSTEM, Action.ESCALATE)
    return _apply_levels([demand], now)


def _apply_levels(demands: list, now) -> int:
    """Write the owed level of locked demands: one UPDATE, one INSERT of events, one of orders."""
    owed = {demand.pk: _level_owed(demand, now) for demand in demands}
    already_ordered = open_order_demand_ids([pk for pk, level in owed.items() if level == SUPERVISED])
    events, orders, changed = [], [], []
    for demand in demands:
        level = owed[demand.pk]
        if level is None:
            continue
        events.append((_escalation_event(demand, level, now), demand))
        if level == SUPERVISED and demand.pk not in already_ordered:
            orders.append(_supervision_order(demand, now))
        demand.escalation_level, demand.updated_at = level, now
        changed.append((demand, level))
    if not changed:
        return 0
    Demand.objects.bulk_update([d for d, _level in changed], ["escalation_level", "updated_at"])
    DEMANDS.record_many(events)
    SupervisionOrder.objects.bulk_create(orders)
    transaction.on_commit(partial(signals.demands_escalated.send, sender=Demand, escalations=changed))
    return len(events)


def escalation_sweep(*, now: dt.datetime | None = None, chunk: int = 200) -> dict:
    """Escalate everything due, a chunk of rows per transaction.

    Rows another sweep has locked are skipped (it is escalating them); rows that left the handling states since
    they were picked are no longer owed anything.
    """
    now = now or timezone.now()
    counts = {"demands": 0, "levels": 0}
    ids = due_for_escalation(now)
    for start in range(0, len(ids), chunk):
        try:
            with transaction.atomic():
                locked = Demand.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
                    "category", "township").filter(
                    pk__in=ids[start : start + chunk], status__in=list(HANDLING_STATES))
                demands = [d for d in locked if CAN[Action.ESCALATE](SYSTEM, d)]
                owed = sum(1 for d in demands if _level_owed(d, now))
                counts["levels"] += _apply_levels(demands, now)
                counts["demands"] += owed
        except Exception:  # one bad chunk must not stop the sweep; the next sweep retries it
            log.exception("escalation of demands %s failed", ids[start : start + chunk])
    return counts


def accept_reminder_sweep(*, now: dt.datetime | None = None) -> int:
    """Tell the dispatchers about orders nobody accepted in time, once per dispatch."""
    now = now or timezone.now()
    due = Demand.objects.filter(status=Status.DISPATCHED, accept_reminded=False, accept_deadline__lte=now)
    sent = 0
    for demand_id in due.values_list("pk", flat=True)[:BATCH * 10]:
        # The conditional update is the claim: only one sweep can flip the flag.
        with transaction.atomic():
            claimed = Demand.objects.filter(pk=demand_id, status=Status.DISPATCHED, accept_reminded=False).update(
                accept_reminded=True)
            if claimed:
                demand = Demand.objects.get(pk=demand_id)
                transaction.on_commit(partial(signals.demand_accept_overdue.send, sender=Demand, demand=demand))
                sent += 1
    return sent


def rating_sweep(*, now: dt.datetime | None = None) -> dict:
    """Remind residents to rate at +24 h and +72 h; close unrated at +7 days."""
    now = now or timezone.now()
    counts = {"reminded": 0, "expired": 0}
    waiting = Demand.objects.filter(status=Status.VERIFIED)
    for demand_id in waiting.filter(verified_at__lte=now - RATING_WINDOW).values_list("pk", flat=True):
        try:
            demand_expire_rating(demand_id=demand_id, actor=SYSTEM)
            counts["expired"] += 1
        except Exception:  # already rated or expired by a concurrent sweep: nothing left to do
            log.info("rating of demand %s no longer expirable", demand_id)
    # Latest reminder first: a sweep that runs late sends one reminder, not both at once.
    for number, delay in reversed(list(enumerate(RATING_REMINDERS, start=1))):
        due = waiting.filter(verified_at__lte=now - delay, rating_reminders_sent__lt=number)
        for demand_id in due.values_list("pk", flat=True):
            with transaction.atomic():
                claimed = Demand.objects.filter(pk=demand_id, status=Status.VERIFIED,
                                                rating_reminders_sent__lt=number).update(rating_reminders_sent=number)
                if claimed:
                    demand = Demand.objects.get(pk=demand_id)
                    transaction.on_commit(partial(signals.demand_rating_reminder_due.send, sender=Demand,
                                                  demand=demand, number=number))
                    counts["reminded"] += 1
    return counts


# A demand's level in a word, wherever a person reads it (the overdue board, the workbench export).
LEVEL_NAMES = {
    0: pgettext_lazy("escalation level", "none"),
    WARNING: gettext_lazy("warning"),
    OVERDUE: gettext_lazy("overdue"),
    SUPERVISED: gettext_lazy("supervised"),
}
# What the escalation event says.
LEVEL_LABELS = {
    WARNING: gettext_lazy("Warning: three quarters of the handling time are spent."),
    OVERDUE: gettext_lazy("Overdue: the handling deadline has passed."),
    SUPERVISED: gettext_lazy("Supervised: one working day past the deadline."),
}
