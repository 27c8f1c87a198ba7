"""The escalation ladder, acceptance and rating reminders, computed from database state (docs/lifecycles.md#escalation)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from demands import services
from demands.escalation import accept_reminder_sweep, escalation_sweep, rating_sweep
from demands.models import Demand, DemandEvent, SupervisionOrder
from demands.states import Status

pytestmark = pytest.mark.django_db


def levels(demand):
    return list(DemandEvent.objects.filter(demand=demand, action="escalate").order_by("id")
                .values_list("data__level", flat=True))


def test_ladder_climbs_one_level_at_each_threshold_and_once_only(walk, staff, time_machine):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.warn_at - dt.timedelta(minutes=1), tick=False)
    escalation_sweep()
    assert levels(demand) == []
    time_machine.move_to(demand.warn_at, tick=False)
    escalation_sweep()
    escalation_sweep()
    assert levels(demand) == [1]
    time_machine.move_to(demand.resolve_deadline + dt.timedelta(seconds=1), tick=False)
    escalation_sweep()
    assert levels(demand) == [1, 2]
    assert not SupervisionOrder.objects.filter(demand=demand).exists()
    time_machine.move_to(demand.supervise_at, tick=False)
    escalation_sweep()
    escalation_sweep()
    assert levels(demand) == [1, 2, 3]
    order = SupervisionOrder.objects.get(demand=demand)
    assert order.source == "escalation" and order.answered_at is None
    demand.refresh_from_db()
    assert demand.escalation_level == 3 and demand.status == Status.ACCEPTED


def test_a_late_sweep_applies_only_the_level_reached_now(walk, time_machine):
    """Issue 13: a sweep after a long stop used to stamp warning, overdue and supervised in the same minute (three
    events, three rounds of notices). It now records the level the demand is at, once."""
    demand = walk(Status.DISPATCHED)
    time_machine.move_to(demand.supervise_at + dt.timedelta(days=3), tick=False)
    counts = escalation_sweep()
    assert counts == {"demands": 1, "levels": 1}
    assert levels(demand) == [3]
    assert SupervisionOrder.objects.filter(demand=demand).count() == 1
    assert escalation_sweep() == {"demands": 0, "levels": 0}


def test_supervised_demand_waits_in_the_supervisors_queue(walk, staff, time_machine):
    from demands.selectors import demand_list

    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.supervise_at, tick=False)
    escalation_sweep()
    assert demand in demand_list(viewer=staff.supervisor, waiting_only=True)


def test_reassign_starts_a_new_clock_and_levels_apply_again(walk, staff, world, time_machine):
    """The first sweep runs past the deadline and records overdue alone (the warning it passed is not stamped
    after the fact); after the reassignment the new clock's warning applies again."""
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.resolve_deadline + dt.timedelta(minutes=1), tick=False)
    escalation_sweep()
    services.demand_reassign(demand_id=demand.pk, actor=staff.dispatcher, unit=world.other_department)
    demand.refresh_from_db()
    assert demand.escalation_level == 0 and demand.resolve_deadline > dt.datetime.now(dt.UTC)
    time_machine.move_to(demand.warn_at, tick=False)
    escalation_sweep()
    assert levels(demand) == [2, 1]


def test_extension_moves_the_thresholds_but_keeps_the_level_reached(walk, staff, time_machine):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.warn_at, tick=False)
    escalation_sweep()
    old_deadline = demand.resolve_deadline
    services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=5, reason="需等待材料")
    services.demand_extend(demand_id=demand.pk, actor=staff.dispatcher)
    time_machine.move_to(old_deadline + dt.timedelta(hours=1), tick=False)
    escalation_sweep()
    demand.refresh_from_db()
    assert demand.escalation_level == 1 and levels(demand) == [1]


def test_resolved_demand_is_not_escalated(walk, time_machine):
    demand = walk(Status.DISPATCHED)
    deadline = demand.supervise_at
    services.demand_accept(demand_id=demand.pk, actor=demand.unit_department.handlers.first())
    services.demand_resolve(demand_id=demand.pk, actor=demand.unit_department.handlers.first(), outcome="solved",
                            reply="已处理")
    time_machine.move_to(deadline + dt.timedelta(days=1), tick=False)
    assert escalation_sweep()["levels"] == 0


def test_unaccepted_order_reminds_the_dispatchers_once(walk, time_machine):
    demand = walk(Status.DISPATCHED)
    time_machine.move_to(demand.accept_deadline + dt.timedelta(minutes=1), tick=False)
    assert accept_reminder_sweep() == 1
    assert accept_reminder_sweep() == 0
    assert Demand.objects.get(pk=demand.pk).accept_reminded


def test_rating_reminders_at_24_and_72_hours_then_closed_unrated_at_7_days(walk, time_machine):
    demand = walk(Status.VERIFIED)
    verified = demand.verified_at
    time_machine.move_to(verified + dt.timedelta(hours=23), tick=False)
    assert rating_sweep() == {"reminded": 0, "expired": 0}
    time_machine.move_to(verified + dt.timedelta(hours=24), tick=False)
    assert rating_sweep() == {"reminded": 1, "expired": 0}
    assert rating_sweep() == {"reminded": 0, "expired": 0}
    time_machine.move_to(verified + dt.timedelta(hours=72), tick=False)
    assert rating_sweep() == {"reminded": 1, "expired": 0}
    time_machine.move_to(verified + dt.timedelta(days=7), tick=False)
    assert rating_sweep() == {"reminded": 0, "expired": 1}
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.rating == "" and demand.rating_token == ""
    assert demand.events.order_by("-id").first().action == "expire_rating"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_sweeps_at_once_give_each_demand_its_level_once(walk, time_machine):
    """Past every threshold, a sweep records level 3 alone (issue 13); two at once still record it once and open
    one order per demand."""
    demands = [walk(Status.ACCEPTED) for _ in range(6)]
    time_machine.move_to(max(d.supervise_at for d in demands) + dt.timedelta(hours=1), tick=False)
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            escalation_sweep()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for demand in demands:
        assert levels(demand) == [3]
        assert SupervisionOrder.objects.filter(demand=demand).count() == 1


def test_workbench_shows_deadline_time_left_overdue_and_level(walk, staff, time_machine):
    from django.test import Client
    from django.urls import reverse

    from .conftest import PASSWORD

    on_time = walk(Status.ACCEPTED)
    late = walk(Status.ACCEPTED)
    client = Client()
    client.login(username=staff.handler.username, password=PASSWORD)
    page = client.get(reverse("demands:workbench")).content.decode()
    assert "按期" in page and "剩余" in page
    Demand.objects.filter(pk=late.pk).update(resolve_deadline=late.dispatched_at, warn_at=late.dispatched_at,
                                             supervise_at=late.dispatched_at)
    escalation_sweep()
    page = client.get(reverse("demands:workbench") + "?escalation=3").content.decode()
    assert late.public_no in page and on_time.public_no not in page and late.tracking_code not in page
    assert "已督办" in page and "超期" in page and "level-3" in page
