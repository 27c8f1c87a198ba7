"""The figure ledger behind the dashboard equals counting the demands themselves, however the demands got to where
they are (the services, a direct update, a deletion), before and after compaction and a rebuild; for every filter the
ledger answers, every breakdown and granularity, across month boundaries and on the first and last day of a month."""

import datetime as dt
import io
from dataclasses import replace

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from demands import services
from demands.models import Channel, Demand, Outcome, Rating
from core.actors import ResidentActor
from demands.states import Status
from supervise import figures, registry, rollup
from supervise.models import FigureLedger
from supervise.selectors import (
    DashboardFilters, _ledger_grouped, dashboard_report, ledger_query, period_demands, period_grouped,
)
from supervise.tasks import compact_figures

from .factories import CategoryFactory

REPLY = "路灯已更换，恢复照明。"
TODAY = dt.date(2026, 11, 20)
GRANULARITIES = ("day", "week", "month")


def _as_dicts(grouped: figures.Grouped):
    return (vars(grouped.total), {k: vars(v) for k, v in grouped.trend.items()},
            {k: vars(v) for k, v in grouped.rows.items()})


def counted(viewer, filters, *, granularity, by) -> figures.Grouped:
    """The answer counted from the demands table, as the dashboard counted it before the ledger."""
    demands = period_demands(viewer, filters)
    result = figures.grouped(demands, granularity=granularity, by=by)
    if by == "department":
        result.rows = figures.split_not_held_by_a_department(result.rows, demands)
    return result


def assert_ledger_matches(viewer, filters, *, must_answer=True, granularities=GRANULARITIES):
    """For every breakdown and granularity the ledger's answer equals counting; `must_answer`: the ledger answers
    at least the breakdown by township (the dashboard's default) itself, without counting demands."""
    question = ledger_query(viewer, filters)
    assert question is not None or not must_answer, filters
    for granularity in granularities:
        for by in figures.BREAKDOWN_KEYS:
            expected = _as_dicts(counted(viewer, filters, granularity=granularity, by=by))
            if question is not None:
                answer = _ledger_grouped(viewer, filters, question, granularity=granularity, by=by)
                if by == "township" or by == (question.key or ("",))[0]:
                    assert answer is not None, (filters, by)
                if answer is not None:
                    got = _as_dicts(answer)
                    for part, name in enumerate(("total", "trend", "rows")):
                        if isinstance(got[part], dict) and part:
                            assert sorted(got[part], key=str) == sorted(expected[part], key=str), (
                                filters, granularity, by, name)
                            for k in got[part]:
                                assert got[part][k] == expected[part][k], (filters, granularity, by, name, k)
                        assert got[part] == expected[part], (filters, granularity, by, name)
            assert _as_dicts(period_grouped(viewer, filters, granularity=granularity, by=by)) == expected


@pytest.fixture
def months(walk, world, staff, settings):
    """Demands received in September, October and November 2026, walked to every state and then changed:
    re-assigned between departments, rated down and re-handled, moved to another township, changed by hand."""
    made = {}
    for month, day in ((9, 3), (10, 31), (11, 2)):
        # 10-31 23:30 local is still October in Asia/Shanghai but November in UTC (the month follows local time).
        at = timezone.make_aware(dt.datetime(2026, month, day, 23, 30))
        with time_machine.travel(at, tick=True):
            made[month] = {
                "closed": walk(Status.CLOSED), "verified": walk(Status.VERIFIED), "accepted": walk(Status.ACCEPTED),
                "grid": walk(Status.CLOSED, unit=world.grid), "rejected": walk(Status.REJECTED),
                "received": walk(Status.RECEIVED), "dispatched": walk(Status.DISPATCHED),
            }
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 19, 10)), tick=True):
        for month in made:
            d = made[month]
            services.demand_rate(demand_id=d["verified"].pk, actor=ResidentActor(d["verified"].pk),
                                 rating=Rating.DISSATISFIED)  # back to the handler: reworked later
            services.demand_accept(demand_id=d["verified"].pk, actor=staff.handler)
            services.demand_resolve(demand_id=d["verified"].pk, actor=staff.handler, outcome=Outcome.EXPLAINED,
                                    reply=REPLY)
            services.demand_reassign(demand_id=d["dispatched"].pk, actor=staff.dispatcher,
                                     unit=world.other_department)
            services.demand_resolve(demand_id=d["accepted"].pk, actor=staff.handler, outcome=Outcome.SOLVED,
                                    reply=REPLY)
        # A direct write outside the services still moves the ledger (a repair script, the admin).
        Demand.objects.filter(pk=made[10]["received"].pk).update(township=world.other_township)
        Demand.objects.filter(pk=made[9]["grid"].pk).update(resolve_deadline=None)  # no longer on time
    return made


@pytest.fixture
def varied(months, walk, world, staff):
    """`months` and demands on the edges of months and keys: the first and the last moment of October (local time),
    the first of December; a demand classified under a top-level category itself, one under a sibling
    sub-category, others from other channels, one held by a deputy."""
    top = world.category.parent
    sibling = CategoryFactory(code="sanitation.toilets", name="公厕管理", parent=top)
    other_top = CategoryFactory(code="roads_traffic", name="道路交通")
    first_oct = timezone.make_aware(dt.datetime(2026, 10, 1))
    last_oct = timezone.make_aware(dt.datetime(2026, 11, 1)) - dt.timedelta(microseconds=1)
    first_dec = timezone.make_aware(dt.datetime(2026, 12, 1))
    made = [
        (walk(Status.CLOSED), first_oct, {"category": top}),
        (walk(Status.ACCEPTED), last_oct, {"category": sibling, "channel": Channel.HOTLINE}),
        (walk(Status.RESOLVED), last_oct, {"category": other_top, "channel": Channel.QR}),
        (walk(Status.CLOSED, unit=world.deputy_record), first_oct, {"channel": Channel.HOTLINE}),
        (walk(Status.DISPATCHED, unit=world.grid), first_dec, {"grid": world.sibling_grid}),
        (walk(Status.CLOSED), first_dec - dt.timedelta(microseconds=1), {"category": sibling}),
    ]
    for demand, moment, changes in made:
        Demand.objects.filter(pk=demand.pk).update(created_at=moment, **changes)
    return {"top": top, "sibling": sibling, "other_top": other_top, "months": months}


def one_filter_each(world, varied):
    """Every filter the ledger answers alone, and none."""
    return [{}, {"township": world.township}, {"grid": world.grid}, {"department": world.department},
            {"category": varied["top"]}, {"category": world.category}, {"category": varied["sibling"]},
            {"channel": Channel.HOTLINE}, {"channel": Channel.WEB}]


@pytest.mark.django_db(transaction=True)
def test_ledger_equals_counting_demands_after_every_kind_of_change(months, world, staff):
    filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 11, 30))
    assert_ledger_matches(staff.supervisor, filters)
    assert_ledger_matches(staff.supervisor, DashboardFilters(date_from=filters.date_from, date_to=filters.date_to,
                                                             township=world.township))
    total = period_grouped(staff.supervisor, filters, granularity="month", by="township").total
    # 21 walked demands, the one moved to another township included.
    assert total.received == 21
    # closed 3 + rated down and resolved again 3 + grid-closed 3 + accepted then resolved 3
    assert total.resolved == 12 and total.reworked == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("period", [
    (dt.date(2026, 9, 15), dt.date(2026, 11, 20)),  # partial months on both sides, a whole one between
    (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),  # exactly one month: its first and last day
    (dt.date(2026, 10, 31), dt.date(2026, 11, 1)),  # the last day of a month and the first of the next
    (dt.date(2026, 10, 2), dt.date(2026, 10, 30)),  # inside a month, its first and last day left out
    (dt.date(2026, 8, 1), dt.date(2026, 12, 1)),  # whole months and the first day of the next
    (dt.date(2026, 11, 1), dt.date(2026, 11, 1)),  # one day, the first of a month
], ids=["edges", "one-month", "month-boundary", "inside-a-month", "whole-months", "first-day"])
def test_filtered_answers_equal_counting_across_month_boundaries(varied, world, staff, period):
    date_from, date_to = period
    for one in one_filter_each(world, varied):
        filters = DashboardFilters(date_from=date_from, date_to=date_to, **one)
        granularities = GRANULARITIES if (date_to - date_from).days <= 92 else ("week", "month")
        assert_ledger_matches(staff.supervisor, filters, granularities=granularities)
        # A township's dispatcher: the township from the scope, and the same filter.
        if "township" not in one:
            assert_ledger_matches(staff.township_dispatcher, filters, must_answer=True, granularities=("month",))


@pytest.mark.django_db(transaction=True)
def test_two_filters_count_the_demands(varied, world, staff):
    filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=TODAY, channel=Channel.HOTLINE,
                               category=varied["top"])
    assert ledger_query(staff.supervisor, filters) is None
    assert_ledger_matches(staff.supervisor, filters, must_answer=False)


@pytest.mark.django_db(transaction=True)
def test_compaction_and_rebuild_keep_the_figures(varied, world, staff):
    filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 11, 30))
    before = FigureLedger.objects.count()
    compact_figures.delay()  # what beat schedules
    after = FigureLedger.objects.count()
    keys = FigureLedger.objects.values("grain", "day", "township_id", "slice", "a", "b").distinct().count()
    assert after < before and after == keys  # one row per key is left
    assert not FigureLedger.objects.filter(folded=False).exists()
    assert_ledger_matches(staff.supervisor, filters)
    # A change no figure, bucket or key sees adds no row (verified is neither resolved again nor closed).
    services.demand_verify(demand_id=varied["months"][11]["accepted"].pk, actor=staff.supervisor)
    assert not FigureLedger.objects.filter(folded=False).exists()
    # A demand changed after compaction adds rows again, and still adds up; a second compaction folds only those.
    services.demand_accept(demand_id=varied["months"][11]["dispatched"].pk, actor=staff.other_handler)
    assert FigureLedger.objects.filter(folded=False).count() == sum(len(s.grains) for s in registry.SLICES)
    assert_ledger_matches(staff.supervisor, filters)
    assert rollup.compact() > 0 and rollup.compact() == 0
    assert FigureLedger.objects.count() == keys or FigureLedger.objects.count() <= keys + 2 * len(registry.SLICES) * 2
    assert_ledger_matches(staff.supervisor, filters)
    FigureLedger.objects.all().delete()
    call_command("rebuild_figures", stdout=io.StringIO())
    assert_ledger_matches(staff.supervisor, filters)
    assert not FigureLedger.objects.filter(folded=False).exists()


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_the_ledger(months, world, staff):
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 12)), tick=True):
        filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=TODAY)
        report = dashboard_report(staff.supervisor, filters, granularity="month", by="department")
        assert report["figures"]["received"]["value"] == 21
        # Proof the ledger is read: rows nobody's demand backs show up where the ledger is read, by month for whole
        # months and by day for the others.
        fake = {"township_id": world.township.pk, "slice": "", "received": 0}
        FigureLedger.objects.create(grain="m", day=dt.date(2026, 10, 1), **{**fake, "received": 100})
        FigureLedger.objects.create(grain="d", day=dt.date(2026, 10, 5), **{**fake, "received": 1000})
        FigureLedger.objects.create(grain="d", day=dt.date(2026, 9, 20), **{**fake, "received": 10000})
        district = {"township_id": None, "slice": "*"}  # the whole district's slice, by day only
        FigureLedger.objects.create(grain="d", day=dt.date(2026, 10, 5), **district, received=2000)
        FigureLedger.objects.create(grain="d", day=dt.date(2026, 9, 20), **district, received=20000)
        partial = DashboardFilters(date_from=dt.date(2026, 9, 15), date_to=TODAY)
        by_month = period_grouped(staff.supervisor, partial, granularity="month", by="township")
        assert by_month.total.received == 21 - 7 + 100 + 10000  # September's 7 lie before the 15th
        by_week = period_grouped(staff.supervisor, partial, granularity="week", by="township")
        assert by_week.total.received == 21 - 7 + 2000 + 20000  # by day throughout, the district's own rows
        in_township = replace(partial, township=world.township)
        by_week = period_grouped(staff.supervisor, in_township, granularity="week", by="township")
        assert by_week.total.received == 21 - 7 - 1 + 1000 + 10000  # one was moved to the other township
        # A viewer whose scope is not a township (a department's handler) counts demands only.
        assert period_grouped(staff.handler, filters, granularity="month", by="department").total.received == (
            figures.totals(period_demands(staff.handler, filters)).received)
        # Two filters count demands only.
        two = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=TODAY, channel="web", department=world.department)
        assert period_grouped(staff.supervisor, two, granularity="month", by="township").total.received == (
            figures.totals(period_demands(staff.supervisor, two)).received)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_without_triggers_is_rebuilt_and_the_triggers_come_back(walk, world, staff):
    year = timezone.localdate().year
    filters = DashboardFilters(date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    with rollup.suspended():
        loaded = walk(Status.ACCEPTED)
        assert not FigureLedger.objects.exists()  # nothing followed the load row by row
    assert_ledger_matches(staff.supervisor, filters, granularities=("week", "month"))
    # The triggers are back: a change after the load moves the ledger again.
    services.demand_resolve(demand_id=loaded.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply=REPLY)
    assert_ledger_matches(staff.supervisor, filters, granularities=("week", "month"))
    assert period_grouped(staff.supervisor, filters, granularity="month", by="department").total.resolved == 1
