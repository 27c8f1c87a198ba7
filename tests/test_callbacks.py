"""Signed callbacks to integration clients: queued after commit, POSTed by a worker, retried, given up after a day."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import integrations.receivers  # noqa: F401  (connects the receiver; apps.py will import it in ready())
from demands import services
from demands.states import Status
from integrations import callbacks
from integrations.models import CallbackDelivery
from integrations.services import integration_create
from integrations.tasks import callback_sweep_task

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "hotline-callback-secret"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def endpoint():
    """endpoint((500, 0), …, then=(200, 0)) is a client's callback URL on 127.0.0.1 answering (status, after seconds)."""
    servers = []

    def start(*script, then=(200, 0)):
        answers, lock = list(script), threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    server.received.append((self.headers, body))
                    status, delay = answers.pop(0) if answers else then
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the portal stopped waiting

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.received = []
        server.url = f"http://127.0.0.1:{server.server_port}/minsheng/callback"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def hotline_for(url, world, name="12345热线"):
    integration, _token = integration_create(name=name, townships=[world.township], callback_url=url,
                                             callback_secret=SECRET)
    return integration


def receive_from(integration, world, external_id="12345-2026-0001"):
    return services.demand_receive(
        actor=integration.user, channel="api", type="help", external_id=external_id, township=world.township,
        content="莲花社区菜市场门口垃圾堆了三天没人清运，气味很大。", contact_name="王秀英", contact_phone="13812345678")


def verifies(headers, body) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Minsheng-Signature"], expected)


def test_a_failing_client_is_retried_with_back_off_until_it_answers_with_signed_bodies_and_no_personal_data(
        world, endpoint, time_machine, django_capture_on_commit_callbacks):
    server = endpoint((500, 0), (500, 0))
    hotline = hotline_for(server.url, world)
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        demand = receive_from(hotline, world)
    delivery = CallbackDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)  # the first try ran on commit
    first_wait = (delivery.next_attempt_at - START).total_seconds()
    assert 24 <= first_wait <= 30

    time_machine.move_to(delivery.next_attempt_at - dt.timedelta(seconds=1), tick=False)
    assert callbacks.callback_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing sent
    assert len(server.received) == 1
    time_machine.move_to(delivery.next_attempt_at, tick=False)
    second_wait = callbacks.callback_attempt(delivery_id=delivery.pk)
    assert 48 <= second_wait <= 60
    delivery.refresh_from_db()
    time_machine.move_to(delivery.next_attempt_at + dt.timedelta(minutes=2), tick=False)
    assert callback_sweep_task() == 1

    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.delivered_at == timezone.now()
    assert [a.http_status for a in delivery.attempt_log.all()] == [500, 500, 200]
    assert len(server.received) == 3
    bodies = {body for _headers, body in server.received}
    assert len(bodies) == 1  # every attempt sends the same bytes
    for headers, body in server.received:
        assert verifies(headers, body)
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Minsheng-Event"] == "receive"
        assert headers["X-Minsheng-Delivery"] == str(delivery.pk)
    body = bodies.pop()
    payload = json.loads(body.decode("utf-8"))
    assert payload == {
        "event_id": delivery.event_id, "action": "receive", "from_status": "", "to_status": "received",
        "public_no": demand.public_no, "external_id": "12345-2026-0001", "status": "received",
        "occurred_at": payload["occurred_at"], "note": "",
    }
    assert dt.datetime.fromisoformat(payload["occurred_at"]) == START
    assert dt.datetime.fromisoformat(payload["occurred_at"]).tzinfo is not None
    assert "王秀英" not in body.decode() and "13812345678" not in body.decode()
    assert demand.tracking_code not in body.decode()  # the resident's credential never leaves in a callback


def test_a_tampered_body_does_not_verify(world):
    body = b'{"status":"closed"}'
    assert callbacks.sign(SECRET, body) == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert callbacks.sign(SECRET, body) != callbacks.sign(SECRET, body.replace(b"closed", b"rejected"))
    assert callbacks.sign("another secret", body) != callbacks.sign(SECRET, body)


def test_a_client_that_never_answers_is_recorded_as_a_timeout_without_raising(
        world, endpoint, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(callbacks, "TIMEOUT_SECONDS", 1)  # the real 5 s would only make the test slower
    server = endpoint(then=(200, 3))
    hotline = hotline_for(server.url, world)
    with django_capture_on_commit_callbacks(execute=True):
        receive_from(hotline, world)
    delivery = CallbackDelivery.objects.get()
    attempt = delivery.attempt_log.get()
    assert attempt.http_status is None and "timed out" in attempt.error
    assert 900 <= attempt.duration_ms < 2500
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()


def test_an_unreachable_client_is_retried_about_hourly_and_given_up_after_24_hours(
        world, endpoint, time_machine, django_capture_on_commit_callbacks):
    server = endpoint(then=(503, 0))
    hotline = hotline_for(server.url, world)
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        receive_from(hotline, world)
    delivery = CallbackDelivery.objects.get()
    give_up_at = START + dt.timedelta(hours=24)
    while delivery.status == "pending":
        assert delivery.next_attempt_at <= give_up_at
        time_machine.move_to(delivery.next_attempt_at, tick=False)
        callbacks.callback_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.delivered_at is None
    times = list(delivery.attempt_log.values_list("attempted_at", flat=True))
    assert times[-1] == give_up_at
    assert max(b - a for a, b in zip(times, times[1:])) <= dt.timedelta(hours=1)
    assert 25 <= len(times) <= 40 and delivery.attempts == len(times) == len(server.received)
    time_machine.move_to(give_up_at + dt.timedelta(hours=2), tick=False)
    assert callback_sweep_task() == 0
    assert delivery.attempt_log.count() == len(times)


def test_status_changes_of_an_integrations_demand_are_called_back_but_web_demands_are_not(
        world, staff, walk, endpoint, django_capture_on_commit_callbacks):
    server = endpoint()
    hotline = hotline_for(server.url, world)
    silent = hotline_for("", world, name="只拉取不回调的系统")
    with django_capture_on_commit_callbacks(execute=True):
        demand = receive_from(hotline, world)
        not_called_back = receive_from(silent, world, external_id="other-1")
        services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help", category=world.category,
                                 urgency="normal", grid=world.grid, note="内部：联系人王秀英，先电话核实")
        web = walk(Status.RESOLVED)
        services.demand_classify(demand_id=not_called_back.pk, actor=staff.dispatcher, type="help",
                                 category=world.category, urgency="normal", grid=world.grid)
        services.demand_reject(demand_id=demand.pk, actor=staff.dispatcher, reason="属于物业管理范围，请联系物业。")
    assert web.submitted_by_id is None
    deliveries = CallbackDelivery.objects.order_by("id")
    assert [(d.demand_id, d.payload["action"], d.status) for d in deliveries] == [
        (demand.pk, "receive", "delivered"), (demand.pk, "classify", "delivered"), (demand.pk, "reject", "delivered")]
    classify, reject = (json.loads(body) for _headers, body in server.received[1:])
    assert (classify["from_status"], classify["to_status"], classify["note"]) == ("received", "classified", "")
    assert (reject["to_status"], reject["status"], reject["note"]) == ("rejected", "rejected", "属于物业管理范围，请联系物业。")
    assert all(verifies(headers, body) for headers, body in server.received)



def test_deliveries_and_their_attempts_are_readable_but_not_editable_in_the_admin(
        world, endpoint, admin_client, django_capture_on_commit_callbacks):
    server = endpoint((500, 0))
    hotline = hotline_for(server.url, world)
    with django_capture_on_commit_callbacks(execute=True):
        receive_from(hotline, world)
    delivery = CallbackDelivery.objects.get()
    page = admin_client.get(reverse("admin:integrations_callbackdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "HTTP 500" in html and 'name="_save"' not in html and SECRET not in html
    assert admin_client.get(reverse("admin:integrations_callbackdelivery_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:integrations_callbackdelivery_add")).status_code == 403

@pytest.fixture
def dead_broker():
    """The broker URL points at a closed port and tasks really go to it (no eager execution)."""
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.task_always_eager = False
    app._pool = None
    yield app
    app.conf.broker_url, app.conf.task_always_eager, app._pool = saved


def test_a_staff_action_does_not_wait_for_a_slow_client_and_the_sweep_delivers_later(
        world, staff, endpoint, dead_broker, time_machine, django_capture_on_commit_callbacks):
    server = endpoint(then=(200, 3))
    hotline = hotline_for(server.url, world)
    with django_capture_on_commit_callbacks(execute=True):
        demand = receive_from(hotline, world)
    client = Client()
    assert client.login(username=staff.dispatcher.username, password=PASSWORD)

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as ran:
        response = client.post(reverse("demands:action", args=[demand.pk, "reject"]),
                               {"reject-reason": "属于物业管理范围，请联系物业。"})
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert len(ran) >= 1 and elapsed < 1, elapsed  # the receiver only queued; the broker refused at once
    assert server.received == []
    assert list(CallbackDelivery.objects.values_list("status", "attempts")) == [("pending", 0), ("pending", 0)]

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=2), tick=False)
    assert callback_sweep_task() == 2
    assert set(CallbackDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert sorted(headers["X-Minsheng-Event"] for headers, _body in server.received) == ["receive", "reject"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_workers_attempting_one_due_delivery_post_it_once(world, endpoint, time_machine):
    from django.db import connections

    server = endpoint((500, 0), then=(200, 0.5))
    hotline = hotline_for(server.url, world)
    time_machine.move_to(START, tick=False)
    receive_from(hotline, world)  # committed: the first try ran on commit and failed
    delivery = CallbackDelivery.objects.get()
    time_machine.move_to(delivery.next_attempt_at, tick=False)
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(callbacks.callback_attempt(delivery_id=delivery.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    delivery.refresh_from_db()
    assert results == [None, None] and delivery.status == "delivered"
    assert len(server.received) == 2 and delivery.attempt_log.count() == 2
