"""Tracking codes and SLA deadlines."""

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest

from demands import codes, sla
from demands.models import DemandType, Urgency
from demands.states import Status

TZ = ZoneInfo("Asia/Shanghai")


def test_tracking_code_has_at_least_80_random_bits_and_no_ambiguous_characters():
    code = codes.new_tracking_code()
    raw = code.replace("-", "")
    assert math.log2(len(codes.ALPHABET)) * codes.RANDOM_LENGTH >= 80
    assert not set(raw) & set("01OILU")
    assert all(len(group) == 3 for group in code.split("-"))
    assert len({codes.new_tracking_code() for _ in range(2000)}) == 2000


def test_typed_code_is_normalised_and_a_typo_is_caught():
    code = codes.new_tracking_code()
    assert codes.normalize_code(code.lower().replace("-", " ")) == code
    raw = code.replace("-", "")
    for i in range(len(raw)):
        for symbol in codes.ALPHABET:
            if symbol != raw[i]:
                assert codes.normalize_code(raw[:i] + symbol + raw[i + 1:]) is None, (i, symbol)
    assert codes.normalize_code("ABC") is None


@pytest.mark.django_db
def test_help_request_dispatched_before_national_day_is_due_after_the_holiday():
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    accept_by, resolve_by = _deadlines(DemandType.HELP, Urgency.NORMAL, start)
    # 1–7 October 2026 are holidays; Saturday 10 October is an adjusted working day (调休) and counts.
    assert accept_by == dt.datetime(2026, 10, 8, 10, 0, tzinfo=TZ)
    assert resolve_by == dt.datetime(2026, 10, 10, 10, 0, tzinfo=TZ)


@pytest.mark.django_db
def test_consultation_has_24_clock_hours_even_over_a_weekend():
    start = dt.datetime(2026, 11, 20, 16, 0, tzinfo=TZ)  # a Friday
    _, resolve_by = _deadlines(DemandType.CONSULTATION, Urgency.NORMAL, start)
    assert resolve_by == start + dt.timedelta(hours=24)


@pytest.mark.django_db
def test_urgent_demand_must_be_accepted_in_two_hours():
    start = dt.datetime(2026, 11, 21, 9, 0, tzinfo=TZ)  # a Saturday: clock hours still count
    accept_by, resolve_by = _deadlines(DemandType.COMPLAINT, Urgency.URGENT, start)
    assert accept_by == start + dt.timedelta(hours=2) and resolve_by == start + dt.timedelta(hours=24)


def test_working_days_fall_back_to_monday_to_friday_outside_the_calendar():
    friday = dt.datetime(2099, 1, 2, 9, 0, tzinfo=TZ)
    assert sla.add_working_days(friday, 1).date() == dt.date(2099, 1, 5)


@pytest.mark.django_db
def test_dispatch_sets_deadlines_from_the_policy(walk):
    demand = walk(Status.DISPATCHED)
    assert demand.resolve_deadline > demand.accept_deadline > demand.dispatched_at


def _deadlines(demand_type, urgency, start):
    from demands.seed import seed_sla_policy

    seed_sla_policy()
    return sla.deadlines_for(demand_type, urgency, start)
