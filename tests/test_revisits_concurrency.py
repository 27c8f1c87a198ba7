"""Call-backs under concurrency on PostgreSQL: the unique constraint and the row lock, not luck, keep one task and
one outcome (SQLite serialises writers, so these run on PostgreSQL only)."""

import pytest
from django.db import connection

from demands.models import DemandEvent, Rating
from demands.states import Status as DemandStatus
from revisits import services
from revisits.models import RevisitEvent, RevisitTask
from revisits.states import Action, Status

from .test_concurrency import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]


def test_one_reply_signalled_to_many_workers_at_once_makes_one_task(walk):
    demand = walk(DemandStatus.RESOLVED)
    event = DemandEvent.objects.get(demand=demand, action="resolve")
    RevisitTask.objects.filter(demand=demand).delete()  # the receiver ran on commit; race from nothing

    results = run_in_threads(10, lambda: services.revisit_tasks_for_event(event_id=event.pk))

    assert all(isinstance(r, RevisitTask) for r in results), results
    assert RevisitTask.objects.filter(demand=demand).count() == 1
    assert RevisitEvent.objects.filter(task__demand=demand, action=Action.CREATE).count() == 1


def test_two_callers_recording_at_once_leave_one_outcome(walk, township_dispatcher):
    demand = walk(DemandStatus.RESOLVED)
    task = RevisitTask.objects.get(demand=demand)

    results = run_in_threads(4, lambda: services.revisit_reach(task_id=task.pk, actor=township_dispatcher,
                                                               said="已解决。", view=Rating.SATISFIED))

    assert sum(isinstance(r, RevisitTask) for r in results) == 1, results
    task.refresh_from_db()
    assert (task.status, task.attempts) == (Status.REACHED, 1)
    assert task.events.filter(action=Action.REACH).count() == 1
