"""Notifications: who hears about a demand, what leaves the portal and is recorded, and the staff inbox."""

import logging

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from demands.states import Status
from notifications import messages, recipients, services
from notifications.channels import SmsGateway
from notifications.models import Notification, OutboundMessage
from core.errors import NotFound

from .conftest import PASSWORD
from .factories import UserFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
RESIDENT_NAME, RESIDENT_PHONE, MASKED_PHONE = "王秀英", "13812345678", "138****5678"


class BrokenGateway(SmsGateway):
    def send_sms(self, phone, text):
        raise ConnectionError("gateway unreachable")


class RecordingGateway(SmsGateway):
    """Stands in for the SMS provider, which is outside the portal: what reached it, in order."""

    sent: list[tuple[str, str]] = []

    def send_sms(self, phone, text):
        RecordingGateway.sent.append((phone, text))


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    # English is the source language, so page texts here do not depend on the translation catalogue.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def notify(users, demand, kind=Kind.DISPATCHED, **kwargs):
    return services.notify_staff(users=users, kind=kind, demand=demand, **kwargs)


# ---------------------------------------------------------------- recipients


def test_dispatch_notice_reaches_the_department_handlers_only(walk, staff):
    demand = walk(Status.DISPATCHED)

    created = notify(recipients.unit_members(demand), demand)

    assert [n.recipient for n in created] == [staff.handler]
    assert demand.public_no in created[0].title and demand.tracking_code not in created[0].title
    assert not Notification.objects.filter(recipient=staff.other_handler).exists()


def test_grid_and_deputy_units_reach_their_own_members(walk, staff, world):
    to_grid = walk(Status.DISPATCHED, unit=world.grid)
    to_deputy = walk(Status.DISPATCHED, unit=world.deputy_record)

    assert list(recipients.unit_members(to_grid)) == [staff.grid_worker]
    assert list(recipients.unit_members(to_deputy)) == [staff.deputy]


def test_a_returned_demand_has_no_unit_to_notify(walk, staff):
    from demands import services as demand_services

    demand = walk(Status.DISPATCHED)
    demand = demand_services.demand_return(demand_id=demand.pk, actor=staff.handler, reason="不属于本部门职责")

    assert list(recipients.unit_members(demand)) == []


def test_dispatchers_of_the_township_and_the_district_are_told(walk, staff, other_township_dispatcher):
    demand = walk(Status.RECEIVED)

    assert set(recipients.dispatchers_for(demand)) == {staff.dispatcher, staff.township_dispatcher}


def test_after_the_district_takes_over_the_township_dispatcher_is_no_longer_told(walk, staff):
    demand = walk(Status.RECEIVED)
    demand.at_district_centre = True

    assert list(recipients.dispatchers_for(demand)) == [staff.dispatcher]


def test_supervisors_of_the_district_and_of_the_township_are_told(walk, staff, world):
    local = UserFactory(username="local_supervisor", role=Role.SUPERVISOR, township=world.township)
    UserFactory(username="far_supervisor", role=Role.SUPERVISOR, township=world.other_township)
    demand = walk(Status.RESOLVED)

    assert set(recipients.supervisors_for(demand)) == {staff.supervisor, local}


def test_each_user_gets_one_row_and_inactive_or_missing_users_none(walk, staff):
    demand = walk(Status.DISPATCHED)
    staff.other_handler.is_active = False
    staff.other_handler.save()

    created = notify([staff.handler, None, staff.handler, staff.other_handler], demand)

    assert [n.recipient for n in created] == [staff.handler]
    assert Notification.objects.count() == 1


# ---------------------------------------------------------------- what leaves the portal


def test_staff_channels_send_after_commit_and_each_send_is_recorded(
    walk, staff, django_capture_on_commit_callbacks
):
    demand = walk(Status.DISPATCHED, unit=staff.grid_worker.grid)
    staff.grid_worker.email = "gw@example.org"
    staff.grid_worker.save()
    worker2 = UserFactory(username="gridworker2", role=Role.GRID_WORKER, grid=staff.grid_worker.grid)

    with override_settings(NOTIFICATION_CHANNELS=["log", "email"]):
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients.unit_members(demand), demand)
            # Recorded as pending in the transaction; nothing leaves before the commit.
            assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundMessage.Status.PENDING}
            assert not mail.outbox

    log_rows = OutboundMessage.objects.filter(channel=OutboundMessage.Channel.LOG)
    assert set(log_rows.values_list("to", flat=True)) == {staff.grid_worker.username, worker2.username}
    email = OutboundMessage.objects.get(channel=OutboundMessage.Channel.EMAIL)
    assert email.to == "gw@example.org" and email.status == OutboundMessage.Status.SENT
    assert [m.to for m in mail.outbox] == [["gw@example.org"]]
    assert demand.public_no in mail.outbox[0].subject
    assert demand.tracking_code not in mail.outbox[0].subject + mail.outbox[0].body
    assert reverse("demands:detail", args=[demand.pk]) in mail.outbox[0].body


def test_a_rolled_back_action_tells_no_one(walk, staff, django_capture_on_commit_callbacks):
    demand = walk(Status.DISPATCHED)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify([staff.handler], demand)
            services.notify_resident(demand=demand, kind=Kind.RATING_LINK, link="https://example.org/rate/x/")
            raise RuntimeError("the action failed")

    assert not Notification.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_messages_left_pending_by_a_dead_broker_are_delivered_by_the_sweep(walk, staff, time_machine):
    demand = walk(Status.DISPATCHED)
    # No on-commit callbacks run here: as if the task could not be enqueued.
    services.notify_resident(demand=demand, kind=Kind.RATING_LINK, link="https://example.org/rate/x/")
    message = OutboundMessage.objects.get()
    assert message.status == OutboundMessage.Status.PENDING
    assert services.outbound_sweep() == 0  # too fresh: its task may still be on the way
    time_machine.move_to(message.created_at + timezone.timedelta(minutes=2), tick=False)
    assert services.outbound_sweep() == 1
    assert services.outbound_sweep() == 0
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT and message.sent_at is not None


@override_settings(SMS_GATEWAY="tests.test_notifications.RecordingGateway")
def test_resident_sms_is_recorded_and_logged_with_the_number_masked(
    walk, django_capture_on_commit_callbacks, caplog
):
    demand = walk(Status.VERIFIED)
    RecordingGateway.sent.clear()
    link = "https://example.org/rate/abcdefghijklmnopqrstuvwxyz012345/"

    with caplog.at_level(logging.INFO, logger="notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            queued = services.notify_resident(demand=demand, kind=Kind.RATING_LINK, link=link)

    assert queued
    sms = OutboundMessage.objects.get(channel=OutboundMessage.Channel.SMS)
    assert sms.to == RESIDENT_PHONE and sms.status == OutboundMessage.Status.SENT
    # The resident got the private link; the copy kept after sending did not keep it.
    assert RecordingGateway.sent == [(RESIDENT_PHONE, RecordingGateway.sent[0][1])] and link in RecordingGateway.sent[0][1]
    assert link not in sms.body and demand.public_no in sms.body and demand.tracking_code not in sms.body
    assert RESIDENT_PHONE not in caplog.text


@override_settings(SMS_GATEWAY="tests.test_notifications.BrokenGateway")
def test_a_failing_sms_gateway_is_recorded_as_failed_and_does_not_raise(walk, django_capture_on_commit_callbacks):
    demand = walk(Status.VERIFIED)

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_resident(demand=demand, kind=Kind.RATING_LINK, link="https://example.org/rate/abc/")

    sms = OutboundMessage.objects.get(channel=OutboundMessage.Channel.SMS)
    assert sms.status == OutboundMessage.Status.FAILED
    assert "gateway unreachable" in sms.error


@override_settings(SMS_GATEWAY="notifications.channels.NoSuchGateway")
def test_a_misconfigured_gateway_is_recorded_as_failed(walk, django_capture_on_commit_callbacks):
    demand = walk(Status.VERIFIED)

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_resident(demand=demand, kind=Kind.RATING_REMINDER, link="https://example.org/rate/abc/")

    assert OutboundMessage.objects.get().status == OutboundMessage.Status.FAILED


def test_no_sms_without_a_contact_phone(walk, django_capture_on_commit_callbacks):
    demand = walk(Status.VERIFIED, contact_phone="")

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.notify_resident(demand=demand, kind=Kind.RATING_LINK, link="https://example.org/rate/abc/")

    assert not queued
    assert not OutboundMessage.objects.exists()


def test_no_message_names_the_resident_or_their_phone(walk):
    demand = walk(Status.ACCEPTED)
    demand.extension_requested_days = 3
    extra = {
        Kind.SUPERVISION_ORDER: {"deadline": demand.resolve_deadline.date(), "note": "请尽快处理"},
        Kind.RETURNED: {"unit": "区综合执法局", "reason": "不属于本部门职责"},
        Kind.RATING_LINK: {"link": "https://example.org/rate/abc/"},
        Kind.RATING_REMINDER: {"link": "https://example.org/rate/abc/", "deadline": demand.resolve_deadline},
        Kind.RECEIPT: {"link": "https://example.org/track/abc/"},
    }
    # The resident's own step texts name the demand by its category: they never saw its number.
    to_the_resident = {Kind.RECEIPT, Kind.RESIDENT_DISPATCHED, Kind.RESIDENT_REJECTED, Kind.REPLIED, Kind.REOPENED}

    # NOTICE carries the caller's own words about something other than a demand.
    for kind in set(Kind) - {Kind.NOTICE}:
        title, body = messages.render(kind, demand, **extra.get(kind, {}))
        text = title + body
        assert demand.tracking_code not in text, kind
        assert demand.public_no in text or kind in to_the_resident, kind
        assert RESIDENT_NAME not in text and RESIDENT_PHONE not in text and MASKED_PHONE not in text, kind


# ---------------------------------------------------------------- the inbox


def test_unread_count_shows_in_every_page_context_and_in_the_inbox(walk, staff):
    first, second = walk(Status.DISPATCHED), walk(Status.DISPATCHED)
    notify([staff.handler], first)
    notify([staff.handler], second)
    notify([staff.other_handler], first)
    client = login(staff.handler)

    assert client.get(reverse("demands:workbench")).context["unread_notifications"] == 2
    page = client.get(reverse("notifications:inbox"))
    assert page.context["unread_notifications"] == 2
    html = page.content.decode()
    assert "2 unread notifications" in html
    assert reverse("demands:detail", args=[first.pk]) in html and second.public_no in html
    assert first.tracking_code not in html and second.tracking_code not in html
    assert Client().get(reverse("home")).context["unread_notifications"] == 0


def test_inbox_shows_unread_as_digests_above_the_read_list(walk, staff):
    """Unread notices come first, grouped by kind (issue 13); the paginated list below holds those already read."""
    old, new = walk(Status.DISPATCHED), walk(Status.DISPATCHED)
    [unread] = notify([staff.handler], old)
    [read] = notify([staff.handler], new)
    services.notification_mark_read(notification_id=read.pk, user=staff.handler)

    context = login(staff.handler).get(reverse("notifications:inbox")).context

    assert [(g.kind, g.count, g.items) for g in context["groups"]] == [(Kind.DISPATCHED, 1, [unread])]
    assert list(context["page"]) == [read]


def test_marking_one_read_lowers_the_count(walk, staff):
    demand = walk(Status.DISPATCHED)
    [first] = notify([staff.handler], demand)
    notify([staff.handler], demand, kind=Kind.ESCALATION_WARNING, level=1)
    client = login(staff.handler)

    response = client.post(reverse("notifications:read", args=[first.pk]))

    assert response.status_code == 302 and response.url == reverse("notifications:inbox")
    assert "1 unread notification" in client.get(reverse("notifications:inbox")).content.decode()
    first.refresh_from_db()
    assert first.read_at is not None


def test_a_user_cannot_mark_someone_elses_notification(walk, staff):
    demand = walk(Status.DISPATCHED)
    [theirs] = notify([staff.handler], demand)

    response = login(staff.other_handler).post(reverse("notifications:read", args=[theirs.pk]))

    assert response.status_code == 404
    with pytest.raises(NotFound):
        services.notification_mark_read(notification_id=theirs.pk, user=staff.other_handler)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_clears_only_ones_own_inbox(walk, staff):
    demand = walk(Status.DISPATCHED)
    notify([staff.handler, staff.supervisor], demand)
    notify([staff.handler], demand, kind=Kind.ESCALATION_OVERDUE, level=2)
    client = login(staff.handler)

    response = client.post(reverse("notifications:read_all"))

    assert response.status_code == 302 and response.url == reverse("notifications:inbox")
    page = client.get(reverse("notifications:inbox"))
    assert page.context["unread_notifications"] == 0
    assert "No unread notifications." in page.content.decode()
    assert Notification.objects.get(recipient=staff.supervisor).read_at is None


def test_inbox_requires_login(walk, staff):
    [notification] = notify([staff.handler], walk(Status.DISPATCHED))
    visitor = Client()

    for response in (
        visitor.get(reverse("notifications:inbox")),
        visitor.post(reverse("notifications:read", args=[notification.pk])),
        visitor.post(reverse("notifications:read_all")),
    ):
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_escalation_messages_name_the_level_in_words(walk):
    from django.utils import translation

    from notifications import messages

    demand = walk(Status.ACCEPTED)
    with translation.override("zh-hans"):
        _title, warning = messages.escalation_warning(demand, level=1)
        _title, overdue = messages.escalation_overdue(demand, level=2)
    assert "预警等级：黄灯预警" in warning and "预警等级：已超期" in overdue
