"""The queue really works: a real Celery worker process on the local Redis escalates an overdue demand.

Runs in CI's PostgreSQL pass (the worker process needs a database it can share with the test), and only when
Redis answers on 127.0.0.1:6379.
"""

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from demands.models import Demand, DemandEvent, SupervisionOrder
from demands.states import Status
from demands.tasks import escalation_sweep_task
from notifications.models import Notification, OutboundMessage
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
    pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def redis_broker():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    yield REDIS_URL
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def worker(redis_broker):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_broker,
        "CELERY_BROKER_URL": redis_broker,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel=INFO", "--concurrency=1",
         "--pool=solo", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    process.broker_url = redis_broker
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_real_worker_escalates_an_overdue_demand_and_writes_its_notifications(walk, staff, worker):
    demand = walk(Status.ACCEPTED)
    # Two days later, as far as the demand's clock is concerned.
    past = timezone.now() - dt.timedelta(days=30)
    Demand.objects.filter(pk=demand.pk).update(warn_at=past, resolve_deadline=past, supervise_at=past)

    # A producer of our own on the same Redis, as the beat process would be.
    # Not the current app: later tests' .delay() must keep running eagerly on the suite's own app.
    with Celery("producer", broker=worker.broker_url, set_as_current=False) as producer:
        producer.send_task(escalation_sweep_task.name)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = DemandEvent.objects.filter(demand=demand, action="escalate").exists()
        messages = OutboundMessage.objects.filter(subject__contains=demand.public_no)
        # Every message of the escalation sent, not just the first one (they are delivered one task each).
        delivered = messages.exists() and not messages.filter(status="pending").exists()
        if done and delivered:
            break
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.5)
    levels = list(DemandEvent.objects.filter(demand=demand, action="escalate").order_by("id")
                  .values_list("data__level", flat=True))
    assert levels == [3]  # a month late, the sweep applies the level the demand is at now, once
    assert SupervisionOrder.objects.filter(demand=demand, source="escalation").count() == 1
    # The worker wrote the supervisors' notification and delivered its message through a second task.
    assert Notification.objects.filter(demand=demand, kind="supervision_order", recipient=staff.supervisor).exists()
    assert OutboundMessage.objects.filter(subject__contains=demand.public_no).exists()
    assert not OutboundMessage.objects.filter(subject__contains=demand.public_no, status="pending").exists()
