"""The monthly ledger behind the year-long dashboard equals counting the demands themselves, however the demands
got to where they are: the services, a direct update, a deletion; before and after compaction and a rebuild."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from demands import services
from demands.models import Demand, Outcome, Rating
from demands.permissions import ResidentActor
from demands.states import Status
from supervise import figures, rollup
from supervise.models import MonthlyFigures
from supervise.selectors import DashboardFilters, dashboard_report, period_demands, period_grouped
from supervise.tasks import compact_figures

REPLY = "路灯已更换，恢复照明。"
TODAY = dt.date(2026, 11, 20)


def _as_dicts(grouped: figures.Grouped):
    return (vars(grouped.total), {k: vars(v) for k, v in grouped.trend.items()},
            {k: vars(v) for k, v in grouped.rows.items()})


def assert_ledger_matches(viewer, filters, township_id=None):
    first, last = figures.bucket_start(filters.date_from, "month"), figures.bucket_start(filters.date_to, "month")
    for by in figures.BREAKDOWN_KEYS:
        from_ledger = rollup.grouped(first_month=first, last_month=last, township_id=township_id, by=by)
        counted = figures.grouped(period_demands(viewer, filters), granularity="month", by=by)
        assert _as_dicts(from_ledger) == _as_dicts(counted), by


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


@pytest.mark.django_db(transaction=True)
def test_ledger_equals_counting_demands_after_every_kind_of_change(months, world, staff):
    filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 11, 30))
    assert_ledger_matches(staff.supervisor, filters)
    assert_ledger_matches(staff.supervisor, DashboardFilters(date_from=filters.date_from, date_to=filters.date_to,
                                                             township=world.township), world.township.pk)
    total = rollup.grouped(first_month=dt.date(2026, 9, 1), last_month=dt.date(2026, 11, 1), township_id=None,
                           by="township").total
    # 21 walked demands, the one moved to another township included.
    assert total.received == 21
    # closed 3 + rated down and resolved again 3 + grid-closed 3 + accepted then resolved 3
    assert total.resolved == 12 and total.reworked == 3


@pytest.mark.django_db(transaction=True)
def test_compaction_and_rebuild_keep_the_figures(months, world, staff):
    filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 11, 30))
    before = MonthlyFigures.objects.count()
    compact_figures.delay()  # what beat schedules
    after = MonthlyFigures.objects.count()
    keys = MonthlyFigures.objects.values("month", "township_id", "dim", "value").distinct().count()
    assert after < before and after == keys  # one row per key is left
    assert_ledger_matches(staff.supervisor, filters)
    # A demand changed after compaction adds rows again, and still adds up.
    services.demand_verify(demand_id=months[11]["accepted"].pk, actor=staff.supervisor)
    assert_ledger_matches(staff.supervisor, filters)
    MonthlyFigures.objects.all().delete()
    call_command("rebuild_figures", stdout=io.StringIO())
    assert_ledger_matches(staff.supervisor, filters)


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_whole_months_from_the_ledger_and_edges_from_demands(months, world, staff):
    # 15 September to 20 November: September is partial (read from demands), October whole (ledger), November
    # is the current month (ledger: nothing is received after today).
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 20, 12)), tick=True):
        filters = DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=TODAY)
        report = dashboard_report(staff.supervisor, filters, granularity="month", by="department")
        counted = figures.grouped(period_demands(staff.supervisor, filters), granularity="month", by="department")
        assert report["figures"]["received"]["value"] == counted.total.received == 21
        # Proof the ledger is read: a ledger row nobody's demand backs shows up in a whole month only.
        MonthlyFigures.objects.create(month=dt.date(2026, 10, 1), township_id=world.township.pk, dim="department",
                                      value=str(world.department.pk), received=100)
        MonthlyFigures.objects.create(month=dt.date(2026, 9, 1), township_id=world.township.pk, dim="department",
                                      value=str(world.department.pk), received=1000)
        partial = DashboardFilters(date_from=dt.date(2026, 9, 15), date_to=TODAY)
        grouped = period_grouped(staff.supervisor, partial, granularity="month", by="department")
        assert grouped.total.received == 21 - 7 + 100  # September's 7 lie before the 15th; October's +100
        # A viewer whose scope is not a township (a department's handler) counts demands only.
        assert period_grouped(staff.handler, filters, granularity="month", by="department").total.received == (
            figures.totals(period_demands(staff.handler, filters)).received)
        # A filter the ledger cannot answer (a channel) counts demands only.
        assert period_grouped(staff.supervisor, DashboardFilters(date_from=dt.date(2026, 9, 1), date_to=TODAY,
                                                                 channel="web"),
                              granularity="month", by="department").total.received == 21
        # Day and week trends count demands too.
        assert period_grouped(staff.supervisor, filters, granularity="week", by="department").total.received == 21


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_without_triggers_is_rebuilt_and_the_triggers_come_back(walk, world, staff):
    year = timezone.localdate().year
    filters = DashboardFilters(date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    with rollup.suspended():
        loaded = walk(Status.ACCEPTED)
        assert not MonthlyFigures.objects.exists()  # nothing followed the load row by row
    assert_ledger_matches(staff.supervisor, filters)
    # The triggers are back: a change after the load moves the ledger again.
    services.demand_resolve(demand_id=loaded.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply=REPLY)
    assert_ledger_matches(staff.supervisor, filters)
    assert rollup.grouped(first_month=dt.date(year, 1, 1), last_month=dt.date(year, 12, 1), township_id=None,
                          by="department").total.resolved == 1
