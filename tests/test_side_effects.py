"""Messages leave the portal with no transaction open and no row locked: a worker claims a message, sends it, then
records the outcome. Only the SMS gateway, which is outside the portal, is stood in for."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from notifications import services
from notifications.channels import SmsGateway
from notifications.models import OutboundMessage

PHONE = "13812345678"
Status = OutboundMessage.Status


class RecordingGateway(SmsGateway):
    """The provider: what reached it. `during` runs while a send is on the line, as another worker would."""

    sent: list[str] = []
    during = None

    def send_sms(self, phone, text):
        RecordingGateway.sent.append(text)
        if RecordingGateway.during is not None:
            RecordingGateway.during()


class WorkerKilled(BaseException):
    """The worker process dies mid-send (SIGKILL, out of memory): nothing after the send runs."""


class DyingGateway(SmsGateway):
    def send_sms(self, phone, text):
        raise WorkerKilled()


class HangingGateway(SmsGateway):
    """A provider that answers only when the test lets it."""

    entered = threading.Event()
    release = threading.Event()
    calls: list[str] = []
    lock = threading.Lock()

    def send_sms(self, phone, text):
        with HangingGateway.lock:
            HangingGateway.calls.append(text)
        HangingGateway.entered.set()
        assert HangingGateway.release.wait(timeout=30), "the test never released the gateway"


@pytest.fixture
def recording(settings):
    settings.SMS_GATEWAY = "tests.test_side_effects.RecordingGateway"
    RecordingGateway.sent, RecordingGateway.during = [], None
    yield RecordingGateway
    RecordingGateway.during = None


@pytest.fixture
def hanging(settings):
    settings.SMS_GATEWAY = "tests.test_side_effects.HangingGateway"
    HangingGateway.entered.clear()
    HangingGateway.release.clear()
    HangingGateway.calls = []
    yield HangingGateway
    HangingGateway.release.set()


def pending_sms(body="您的诉求已办结。") -> OutboundMessage:
    # Written as outbound_queue writes it, without its on-commit task, so the test decides when a worker runs.
    return OutboundMessage.objects.create(channel=OutboundMessage.Channel.SMS, to=PHONE, subject="办结", body=body)


# ---------------------------------------------------------------- on any database


@pytest.mark.django_db
def test_a_second_worker_asking_while_the_first_is_sending_sends_nothing(recording):
    message = pending_sms()
    second = []
    recording.during = lambda: second.append(services.outbound_deliver(message_id=message.pk))

    first = services.outbound_deliver(message_id=message.pk)

    assert first is not None and second == [None]
    assert len(recording.sent) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT and message.sent_at is not None


@pytest.mark.django_db
def test_the_sweep_leaves_a_message_being_sent_to_its_worker(recording, time_machine):
    message = pending_sms()
    time_machine.move_to(message.created_at + timezone.timedelta(minutes=2), tick=False)
    swept = []
    recording.during = lambda: swept.append(services.outbound_sweep())

    assert services.outbound_sweep() == 1

    assert swept == [0] and len(recording.sent) == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_worker_that_died_mid_send_lapses_and_the_message_goes_out(settings, recording,
                                                                                      time_machine):
    message = pending_sms()
    time_machine.move_to(message.created_at, tick=False)
    settings.SMS_GATEWAY = "tests.test_side_effects.DyingGateway"
    with pytest.raises(WorkerKilled):
        services.outbound_deliver(message_id=message.pk)
    settings.SMS_GATEWAY = "tests.test_side_effects.RecordingGateway"

    # Another worker soon after: the dead one's claim still stands.
    time_machine.move_to(message.created_at + timezone.timedelta(seconds=services.CLAIM_SECONDS - 1), tick=False)
    assert services.outbound_deliver(message_id=message.pk) is None
    assert recording.sent == []
    # Once the lease is over, the sweep sends it.
    time_machine.move_to(message.created_at + timezone.timedelta(seconds=services.CLAIM_SECONDS + 1), tick=False)
    assert services.outbound_sweep() == 1
    assert len(recording.sent) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.django_db
def test_a_failed_send_is_recorded_once_and_the_message_is_not_sent_again(settings):
    settings.SMS_GATEWAY = "tests.test_notifications.BrokenGateway"
    message = pending_sms()

    assert services.outbound_deliver(message_id=message.pk).status == Status.FAILED
    assert services.outbound_deliver(message_id=message.pk) is None

    message.refresh_from_db()
    assert message.status == Status.FAILED and "gateway unreachable" in message.error


# ---------------------------------------------------------------- PostgreSQL: real row locks and real concurrency

def on_postgres(test):
    for mark in (pytest.mark.postgres, pytest.mark.django_db(transaction=True),
                 pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")):
        test = mark(test)
    return test


def in_thread(fn) -> tuple[threading.Thread, list]:
    outcome = []

    def run():
        try:
            outcome.append(fn())
        except Exception as exc:  # asserted on by the test
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@on_postgres
def test_while_the_sms_gateway_hangs_the_message_row_is_not_locked(hanging):
    message = pending_sms()
    worker, outcome = in_thread(lambda: services.outbound_deliver(message_id=message.pk))
    assert hanging.entered.wait(timeout=10)

    # Staff (or another worker) can lock and change the row at once, while the provider is still on the line.
    try:
        with transaction.atomic():
            row = OutboundMessage.objects.select_for_update(nowait=True).get(pk=message.pk)
            OutboundMessage.objects.filter(pk=row.pk).update(to=F("to"))
    except DatabaseError as error:
        pytest.fail(f"the message row was locked during the send: {error}")
    finally:
        hanging.release.set()
        worker.join(timeout=30)

    assert not isinstance(outcome[0], Exception), outcome
    message.refresh_from_db()
    assert message.status == Status.SENT and hanging.calls == [message.body]


@on_postgres
def test_eight_workers_delivering_the_same_message_at_once_send_it_once(settings):
    settings.SMS_GATEWAY = "tests.test_side_effects.RecordingGateway"
    RecordingGateway.sent, RecordingGateway.during = [], lambda: time.sleep(0.3)  # a slow provider widens the race
    message = pending_sms()
    barrier = threading.Barrier(8)

    def deliver():
        barrier.wait()
        return services.outbound_deliver(message_id=message.pk)

    workers = [in_thread(deliver) for _ in range(8)]
    for thread, _outcome in workers:
        thread.join(timeout=30)
    RecordingGateway.during = None

    results = [outcome[0] for _thread, outcome in workers]
    assert sum(isinstance(r, OutboundMessage) for r in results) == 1 and results.count(None) == 7, results
    assert len(RecordingGateway.sent) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
