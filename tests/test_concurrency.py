"""Concurrent clicks on PostgreSQL: the row lock makes exactly one accept win."""

import threading

import pytest
from django.db import connection, connections

from demands import services
from demands.models import Demand, DemandEvent
from demands.states import Status
from core.errors import TransitionNotAllowed

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_in_threads(n, fn):
    barrier = threading.Barrier(n)
    results = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            outcome = fn()
        except Exception as exc:  # collected and asserted on below
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_handlers_accepting_at_once_leave_one_winner_and_one_event(walk, staff):
    demand = walk(Status.DISPATCHED)
    results = run_in_threads(20, lambda: services.demand_accept(demand_id=demand.pk, actor=staff.handler))
    winners = [r for r in results if isinstance(r, Demand)]
    losers = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(winners) == 1 and len(losers) == 19, results
    assert DemandEvent.objects.filter(demand=demand, action="accept").count() == 1
    assert Demand.objects.get(pk=demand.pk).status == Status.ACCEPTED


def test_concurrent_dissatisfied_ratings_reopen_once(walk, staff):
    from core.actors import ResidentActor

    demand = walk(Status.VERIFIED)
    results = run_in_threads(8, lambda: services.demand_rate(demand_id=demand.pk, actor=ResidentActor(demand.pk),
                                                             rating="dissatisfied"))
    assert sum(isinstance(r, Demand) for r in results) == 1
    demand.refresh_from_db()
    assert demand.rework_count == 1 and demand.status == Status.DISPATCHED
    assert DemandEvent.objects.filter(demand=demand, action="reopen").count() == 1
