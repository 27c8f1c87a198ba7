"""What people are told as a demand moves and as deadlines pass, and what happens when the broker is down."""

import datetime as dt

import pytest
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import reverse

from demands import services
from demands.escalation import escalation_sweep, rating_sweep
from demands.states import Status
from notifications.models import Notification, OutboundMessage

from .conftest import PASSWORD
from .test_notifications import RecordingGateway

pytestmark = pytest.mark.django_db


def inbox(user):
    return set(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_dispatch_puts_the_order_in_the_units_inbox_with_an_unread_badge(walk, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = walk(Status.DISPATCHED)
    assert inbox(staff.handler) == {"dispatched"}
    assert inbox(staff.other_handler) == set()
    client = Client()
    client.login(username=staff.handler.username, password=PASSWORD)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert demand.public_no in page and demand.tracking_code not in page
    assert 'class="badge"' in client.get(reverse("demands:workbench")).content.decode()


@override_settings(SMS_GATEWAY="tests.test_notifications.RecordingGateway")
def test_verification_texts_the_resident_a_private_rating_link(walk, django_capture_on_commit_callbacks):
    RecordingGateway.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demand = walk(Status.VERIFIED)
    sms = OutboundMessage.objects.filter(channel="sms").order_by("-id").first()
    assert sms.to == "13812345678" and sms.status == "sent"
    # Told at each step on the way (tests/test_resident_sms.py); the last text carries the rating link.
    phone, text = RecordingGateway.sent[-1]
    assert phone == "13812345678" and reverse("demands:rate", args=[demand.rating_token]) in text
    assert demand.rating_token not in sms.body  # the kept copy is a log, not a second credential
    assert "王秀英" not in text


def test_each_escalation_level_tells_the_people_design_names(walk, staff, time_machine,
                                                              django_capture_on_commit_callbacks):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.warn_at, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep()
    assert "escalation_warning" in inbox(staff.handler) and "escalation_warning" not in inbox(staff.supervisor)
    time_machine.move_to(demand.resolve_deadline, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep()
    assert "escalation_overdue" in inbox(staff.handler) and "escalation_overdue" in inbox(staff.dispatcher)
    time_machine.move_to(demand.supervise_at, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep()
        escalation_sweep()
    assert Notification.objects.filter(recipient=staff.supervisor, kind="supervision_order").count() == 1


def test_unaccepted_order_and_rating_reminders_reach_dispatcher_and_resident(walk, staff, time_machine,
                                                                              django_capture_on_commit_callbacks):
    from demands.escalation import accept_reminder_sweep

    waiting = walk(Status.DISPATCHED)
    rated_late = walk(Status.VERIFIED)
    time_machine.move_to(max(waiting.accept_deadline, rated_late.verified_at + dt.timedelta(hours=24)), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        accept_reminder_sweep()
        rating_sweep()
    assert "accept_overdue" in inbox(staff.dispatcher)
    reminders = OutboundMessage.objects.filter(channel="sms", subject__contains=rated_late.public_no)
    assert reminders.count() == 1
    code = rated_late.tracking_code
    assert not OutboundMessage.objects.filter(Q(subject__contains=code) | Q(body__contains=code)).exists()


@pytest.fixture
def dead_broker(settings):
    """The broker URL points at a closed port and tasks really go to it (no eager execution)."""
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.task_always_eager = False
    app._pool = None
    yield app
    app.conf.broker_url, app.conf.task_always_eager, app._pool = saved


def test_with_the_broker_down_intake_and_actions_succeed_and_the_sweeps_catch_up(
        world, staff, dead_broker, time_machine, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("demands:submit"), {
            "type": "help", "content": "村口的桥栏杆断了，孩子上学要经过，很危险。", "township": world.township.pk,
            "contact_phone": "13812345678"})
        assert response.status_code == 302
        from demands.models import Demand

        demand = Demand.objects.get()
        services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help", category=world.category,
                                 urgency="normal", grid=world.grid)
        services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
        services.demand_accept(demand_id=demand.pk, actor=staff.handler)
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED
    assert inbox(staff.handler) == {"dispatched"}  # the inbox needs no broker
    time_machine.move_to(demand.supervise_at, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        # The sweep catches up with the level reached now (supervised), not every level passed (issue 13).
        assert escalation_sweep()["levels"] == 1
    waiting = OutboundMessage.objects.filter(status="pending").count()
    assert waiting > 0  # nothing could be handed to the broker
    from notifications.services import outbound_sweep

    time_machine.move_to(demand.supervise_at + dt.timedelta(minutes=5), tick=False)
    assert outbound_sweep() == waiting
    assert not OutboundMessage.objects.filter(status="pending").exists()
