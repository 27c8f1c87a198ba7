"""Dashboard figures (docs/figures.md#demand-figures) on a known set of demands walked through the real services: every expected
value is worked out by hand in a comment."""

import datetime as dt

import pytest
from django.utils import timezone

from demands import services
from demands.models import Channel, Outcome, Rating
from core.actors import ResidentActor
from demands.states import Status
from supervise import figures
from supervise.selectors import DashboardFilters, dashboard_report, period_demands

from .factories import CategoryFactory

REPLY = "已安排处理完毕。"


def this_year(**kwargs) -> DashboardFilters:
    today = timezone.localdate()
    return DashboardFilters(date_from=today - dt.timedelta(days=30), date_to=today, **kwargs)


def counts(viewer, **kwargs) -> figures.Counts:
    return figures.totals(period_demands(viewer, this_year(**kwargs)))


def rate(value):
    return None if value.value is None else round(value.value, 4)


@pytest.fixture
def known(walk, world, staff):
    """Twelve demands received today in world.township (11 walked + the target of a merge):

    1 closed, solved by the department, rated satisfied
    2 closed, solved, rated basically satisfied
    3 closed, solved, rated dissatisfied twice (re-handled once in between: rework_count 1)
    4 closed, solved, closed unrated when the rating window ran out
    5 closed, outcome "explained", rated satisfied
    6 closed, solved by the grid worker (grid unit), rated satisfied
    7 rejected
    8 merged (into 8b, which stays received)
    9 accepted, open, deadline ahead
    10 resolved (solved) after its deadline had passed, awaiting verification
    11 accepted, open, deadline passed (overdue now)
    """
    d = {}
    d[1] = walk(Status.CLOSED)
    d[2] = walk(Status.VERIFIED)
    services.demand_rate(demand_id=d[2].pk, actor=ResidentActor(d[2].pk), rating=Rating.BASICALLY_SATISFIED)
    d[3] = walk(Status.VERIFIED)
    services.demand_rate(demand_id=d[3].pk, actor=ResidentActor(d[3].pk), rating=Rating.DISSATISFIED)
    services.demand_accept(demand_id=d[3].pk, actor=staff.handler)
    services.demand_resolve(demand_id=d[3].pk, actor=staff.handler, outcome=Outcome.SOLVED, reply=REPLY)
    services.demand_verify(demand_id=d[3].pk, actor=staff.supervisor)
    services.demand_rate(demand_id=d[3].pk, actor=ResidentActor(d[3].pk), rating=Rating.DISSATISFIED)
    d[4] = walk(Status.VERIFIED)
    services.demand_expire_rating(demand_id=d[4].pk)
    d[5] = walk(Status.ACCEPTED)
    services.demand_resolve(demand_id=d[5].pk, actor=staff.handler, outcome=Outcome.EXPLAINED, reply=REPLY)
    services.demand_verify(demand_id=d[5].pk, actor=staff.supervisor)
    services.demand_rate(demand_id=d[5].pk, actor=ResidentActor(d[5].pk), rating=Rating.SATISFIED)
    d[6] = walk(Status.CLOSED, unit=world.grid)
    d[7] = walk(Status.REJECTED)
    d[8] = walk(Status.MERGED)
    d[9] = walk(Status.ACCEPTED)
    d[10] = walk(Status.ACCEPTED)
    type(d[10]).objects.filter(pk=d[10].pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=1))
    services.demand_resolve(demand_id=d[10].pk, actor=staff.handler, outcome=Outcome.SOLVED, reply=REPLY)
    d[11] = walk(Status.ACCEPTED)
    type(d[11]).objects.filter(pk=d[11].pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=1))
    for demand in d.values():
        demand.refresh_from_db()
    assert d[3].status == Status.CLOSED and d[3].rework_count == 1 and d[3].rating == Rating.DISSATISFIED
    return d


def test_received_counts_every_demand_received_in_the_period(known, staff):
    # 11 walked demands + the demand no. 8 was merged into = 12
    assert counts(staff.supervisor).received == 12


def test_closed_leaves_out_rejected_and_merged(known, staff):
    # closed: 1, 2, 3, 4, 5, 6 = 6 (7 rejected and 8 merged are terminal but not closed)
    assert counts(staff.supervisor).closed == 6


def test_resolution_rate_is_solved_among_closed(known, staff):
    # closed with outcome solved: 1, 2, 3, 4, 6 = 5; closed = 6 → 5/6
    c = counts(staff.supervisor)
    assert (c.resolution_rate.numerator, c.resolution_rate.denominator) == (5, 6)
    assert rate(c.resolution_rate) == round(5 / 6, 4)


def test_on_time_rate_counts_results_reported_by_the_deadline(known, staff):
    # resolved (result reported): 1, 2, 3, 4, 5, 6, 10 = 7; on time: all but 10 = 6 → 6/7
    c = counts(staff.supervisor)
    assert (c.on_time_rate.numerator, c.on_time_rate.denominator) == (6, 7)


def test_unrated_demands_are_left_out_of_satisfaction(known, staff):
    # rated: 1 satisfied, 2 basically satisfied, 3 dissatisfied, 5 satisfied, 6 satisfied = 5 (4 is unrated);
    # satisfied or basically satisfied: 1, 2, 5, 6 = 4 → 4/5 (not 4/6)
    c = counts(staff.supervisor)
    assert (c.satisfaction.numerator, c.satisfaction.denominator) == (4, 5)


def test_rating_coverage_is_rated_among_closed(known, staff):
    # rated 5 / closed 6
    c = counts(staff.supervisor)
    assert (c.rating_coverage.numerator, c.rating_coverage.denominator) == (5, 6)


def test_local_resolution_is_solved_by_a_grid_worker_among_solved(known, staff):
    # outcome solved: 1, 2, 3, 4, 6, 10 = 6; by the grid worker without a department: 6 → 1/6
    c = counts(staff.supervisor)
    assert (c.local_resolution.numerator, c.local_resolution.denominator) == (1, 6)


def test_rework_rate_is_re_handled_among_resolved(known, staff):
    # resolved 7; re-handled at least once: 3 → 1/7
    c = counts(staff.supervisor)
    assert (c.rework_rate.numerator, c.rework_rate.denominator) == (1, 7)


def test_mean_times_follow_the_timestamps(known, staff):
    ds = [d for d in known.values() if d.accepted_at and d.dispatched_at]
    # accepted (current dispatch): 1-6, 9, 10, 11 = 9; 7, 8 and 8b were never dispatched
    assert len(ds) == 9
    expected = sum(((d.accepted_at - d.dispatched_at) for d in ds), dt.timedelta()) / 9
    c = counts(staff.supervisor)
    assert c.accepted == 9
    assert abs(c.mean_time_to_accept - expected) < dt.timedelta(milliseconds=1)
    resolved = [d for d in known.values() if d.resolved_at]
    assert abs(c.mean_time_to_resolve - sum((d.resolved_at - d.created_at for d in resolved), dt.timedelta()) / 7) \
        < dt.timedelta(milliseconds=1)


def test_overdue_now_and_escalation_levels(known, staff):
    from demands.escalation import escalation_sweep

    # open and held by a unit: 9 (deadline ahead) and 11 (deadline passed) → 1 overdue
    escalation_sweep()
    report = dashboard_report(staff.supervisor, this_year(), granularity="day", by="township")
    assert report["board"]["overdue"]["value"] == 1
    # the sweep raised 11 to "overdue" (level 2); its supervision time (one working day later) is ahead
    levels = {row["level"]: row["value"] for row in report["board"]["levels"]}
    assert levels == {1: 0, 2: 1, 3: 0}
    oldest = report["board"]["levels"][1]["oldest"]
    assert [d["public_no"] for d in oldest] == [known[11].public_no]
    assert known[11].tracking_code not in str(oldest)


def test_zero_denominators_are_none_and_shown_as_a_dash(world, staff):
    c = counts(staff.supervisor)
    assert c.received == 0
    for value in (c.resolution_rate, c.on_time_rate, c.satisfaction, c.rating_coverage, c.local_resolution,
                  c.rework_rate):
        assert value.value is None and value.display == "—"
    assert c.mean_time_to_accept is None and c.mean_time_to_resolve is None


def test_township_filter(known, world, staff, walk):
    walk(Status.RECEIVED, township=world.other_township)
    # 12 in world.township, 1 in the other
    assert counts(staff.supervisor, township=world.township).received == 12
    assert counts(staff.supervisor, township=world.other_township).received == 1


def test_top_level_category_includes_its_children(world, staff, walk):
    sanitation = world.category.parent
    roads = CategoryFactory(code="roads_traffic", name="道路交通")
    potholes = CategoryFactory(code="roads_traffic.potholes", name="路面坑洼", parent=roads)
    walk(Status.CLASSIFIED)  # classified into sanitation.garbage
    walk(Status.CLASSIFIED)
    walk(Status.RECEIVED, category=potholes)
    # sanitation (top level) holds the two garbage demands; roads_traffic the pothole; the child alone the same two
    assert counts(staff.supervisor, category=sanitation).received == 2
    assert counts(staff.supervisor, category=roads).received == 1
    assert counts(staff.supervisor, category=world.category).received == 2


def test_channel_filter(world, staff, walk):
    walk(Status.RECEIVED, channel=Channel.HOTLINE)
    walk(Status.RECEIVED, channel=Channel.HOTLINE)
    walk(Status.RECEIVED)  # web
    assert counts(staff.supervisor, channel=Channel.HOTLINE).received == 2
    assert counts(staff.supervisor, channel=Channel.WEB).received == 1


def test_department_filter_counts_what_the_department_holds(world, staff, walk):
    walk(Status.CLOSED)  # the department
    walk(Status.ACCEPTED, unit=world.grid)
    walk(Status.RECEIVED)
    assert counts(staff.supervisor, department=world.department).received == 1
    assert counts(staff.supervisor, department=world.department).closed == 1
    assert counts(staff.supervisor, department=world.other_department).received == 0


def test_period_is_by_date_received(world, staff, walk):
    old = walk(Status.CLOSED)
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    walk(Status.RECEIVED)
    # the last 31 days hold only the new one; a period covering 40 days ago holds the old one alone
    assert counts(staff.supervisor).received == 1
    day = timezone.localdate() - dt.timedelta(days=40)
    assert figures.totals(period_demands(staff.supervisor, DashboardFilters(date_from=day, date_to=day))).closed == 1


def test_headline_trend_and_breakdown_add_up(known, staff, world):
    report = dashboard_report(staff.supervisor, this_year(), granularity="day", by="township")
    assert report["figures"]["received"]["value"] == 12
    assert sum(row["received"]["value"] for row in report["trend"]) == 12
    assert [(row["label"], row["received"]["value"]) for row in report["breakdown"]["rows"]] == [
        (world.township.name, 12)]
