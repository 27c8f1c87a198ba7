"""Deadlines from the SLA policy on the Chinese statutory working-day calendar (docs/lifecycles.md#sla-clock)."""

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

from .models import SlaPolicy

# Used only if an admin deleted a row of the policy table; mirrors the seeded defaults.
FALLBACK = {"accept": (1, SlaPolicy.Unit.WORKING_DAYS), "resolve": (5, SlaPolicy.Unit.WORKING_DAYS)}


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Outside the years the calendar knows: Monday to Friday.
        return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same clock time `days` working days after `start` (local time).

    A start on a rest day counts from 00:00 of the next working day.
    """
    local = timezone.localtime(start)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if not is_working_day(day):
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        clock = dt.time()
    for _ in range(days):
        day += dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, clock), local.tzinfo)


def add_period(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == SlaPolicy.Unit.HOURS:
        return start + dt.timedelta(hours=amount)
    return add_working_days(start, amount)


def policy_for(demand_type: str, urgency: str) -> SlaPolicy | None:
    return SlaPolicy.objects.filter(type=demand_type, urgency=urgency).first()


def deadlines_for(demand_type: str, urgency: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    policy = policy_for(demand_type, urgency)
    if policy is None:
        accept = add_period(start, *FALLBACK["accept"])
        resolve = add_period(start, *FALLBACK["resolve"])
    else:
        accept = add_period(start, policy.accept_within, policy.accept_unit)
        resolve = add_period(start, policy.resolve_within, policy.resolve_unit)
    # An order can never be due for acceptance after it is due to be resolved.
    return min(accept, resolve), resolve


WARNING_SHARE = 0.75  # level 1 when three quarters of the resolve window are spent (docs/lifecycles.md#escalation)


def escalation_times(start: dt.datetime, resolve_by: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(warning at, supervision at): 75% of the window, and one working day past the deadline."""
    return start + (resolve_by - start) * WARNING_SHARE, add_working_days(resolve_by, 1)


# Joint handling (docs/lifecycles.md#joint-handling): a co-handling department's opinion is due halfway through what
# is left of the lead unit's resolve window, so the lead has the other half to use it.
COHANDLING_SHARE = 0.5


def cohandling_due(start: dt.datetime, resolve_by: dt.datetime | None) -> dt.datetime:
    """The default opinion deadline; one working day when the lead's deadline has already passed."""
    if resolve_by is None or resolve_by <= start:
        return add_working_days(start, 1)
    return start + (resolve_by - start) * COHANDLING_SHARE


def cohandling_last_day(start: dt.datetime, resolve_by: dt.datetime | None) -> dt.date:
    """The latest day a dispatcher may set: the lead's resolve day, or one working day on when that has passed."""
    if resolve_by is None or resolve_by <= start:
        return timezone.localtime(add_working_days(start, 1)).date()
    return timezone.localtime(resolve_by).date()


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))
