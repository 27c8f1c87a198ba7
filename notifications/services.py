"""Telling people about demands: inbox rows for staff, messages out through the channels, marking as read."""

import logging

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.logredact import redact
from core.queue import enqueue_on_commit

from . import channels, messages
from .models import Notification, OutboundMessage

logger = logging.getLogger("notifications")


def _render(kind, demand, **message_kwargs) -> tuple[str, str]:
    # Stored and sent in the portal's language, whichever language the triggering request used.
    with translation.override(settings.LANGUAGE_CODE):
        return messages.render(kind, demand, **message_kwargs)


def outbound_queue(*, channel: str, to: str, subject: str, body: str) -> OutboundMessage:
    """Record a message as pending in the current transaction; a worker delivers it after commit.

    If the broker is down the row simply waits: `outbound_sweep` delivers what is still pending.
    """
    from .tasks import deliver_outbound_task

    message = OutboundMessage.objects.create(channel=channel, to=to, subject=subject[:200], body=body)
    enqueue_on_commit(deliver_outbound_task, message_id=message.pk)
    return message


# A claimed message is left to its worker this long; it must outlast one send (EMAIL_TIMEOUT, the SMS gateway's own).
CLAIM_SECONDS = 300


def outbound_deliver(*, message_id: int) -> OutboundMessage | None:
    """Send one pending message once; a failure is recorded, never raised. Safe to run twice or in two workers.

    Claim, send, finish: claiming and recording the outcome are each one short statement, and nothing is locked
    while the provider is on the line. A worker that dies mid-send leaves a claim that lapses after CLAIM_SECONDS.
    """
    message = _claim(message_id)
    if message is None:
        return None  # already delivered (or failed), or being sent by another worker
    error = ""
    try:
        channels.channel_by_name(message.channel).send(to=message.to, subject=message.subject, body=message.body)
    except Exception as exc:  # any provider error: the failed row is how staff find out
        logger.warning("sending through the %s channel failed", message.channel, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"
    return _finish(message, error=error)


def _claim(message_id: int) -> OutboundMessage | None:
    now = timezone.now()
    lapsed = Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - timezone.timedelta(seconds=CLAIM_SECONDS))
    # One conditional UPDATE: of two workers the second finds the claim taken (PostgreSQL re-checks the row once the
    # first commits), so only one of them sends.
    if not OutboundMessage.objects.filter(lapsed, pk=message_id, status=OutboundMessage.Status.PENDING).update(
            claimed_at=now):
        return None
    return OutboundMessage.objects.filter(pk=message_id, claimed_at=now).first()


def _finish(message: OutboundMessage, *, error: str) -> OutboundMessage:
    message.status = OutboundMessage.Status.FAILED if error else OutboundMessage.Status.SENT
    message.error, message.sent_at = error, timezone.now()
    # Once out, the kept copy loses the links and codes a resident's SMS carries: it is a log, not a credential store.
    message.body, message.subject = redact(message.body), redact(message.subject)
    # Only the claim's holder records the outcome: a send that outlived its lease may have been taken over meanwhile.
    recorded = OutboundMessage.objects.filter(
        pk=message.pk, status=OutboundMessage.Status.PENDING, claimed_at=message.claimed_at,
    ).update(status=message.status, error=message.error, sent_at=message.sent_at, body=message.body,
             subject=message.subject)
    if not recorded:
        logger.warning("outbound message %s was sent after its claim lapsed", message.pk)
    return message


def outbound_sweep(*, older_than_seconds: int = 60) -> int:
    """Deliver messages whose task never ran (broker down, worker lost)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING, created_at__lte=cutoff)
               .values_list("pk", flat=True)[:1000])
    return sum(1 for pk in ids if outbound_deliver(message_id=pk) is not None)


def _staff_link(demand) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("demands:detail", args=[demand.pk])


def notify_staff(*, users, kind, demand=None, data=None, **message_kwargs) -> list[Notification]:
    """One inbox row per distinct active user now; the staff channels after commit."""
    return notify_staff_many([StaffNotice(users, kind, demand, data, message_kwargs)])


class StaffNotice:
    """One message about one demand for a group of staff."""

    def __init__(self, users, kind, demand=None, data=None, message_kwargs=None):
        self.users, self.kind, self.demand = users, kind, demand
        self.data, self.message_kwargs = data or {}, message_kwargs or {}


def notify_staff_many(notices: list[StaffNotice]) -> list[Notification]:
    """Many notices in a few statements: inbox rows and pending outbound messages are bulk-inserted."""
    now = timezone.now()
    notifications, outgoing = [], []
    staff_channels = channels.staff_channels()
    for notice in notices:
        recipients = list({u.pk: u for u in notice.users if u is not None and u.is_active}.values())
        if not recipients:
            continue
        title, body = _render(notice.kind, notice.demand, **notice.message_kwargs)
        notifications += [
            Notification(recipient=user, demand=notice.demand, kind=notice.kind, title=title[:200], body=body,
                         data=notice.data, created_at=now)
            for user in recipients
        ]
        text = f"{body}\n{_staff_link(notice.demand)}" if notice.demand is not None else body
        for channel in staff_channels:
            for user in recipients:
                # The log channel reaches everyone; e-mail only those who gave an address.
                to = user.email if channel.name == OutboundMessage.Channel.EMAIL else user.username
                if to:
                    outgoing.append(OutboundMessage(channel=channel.name, to=to, subject=title[:200], body=text,
                                                    created_at=now))
    Notification.objects.bulk_create(notifications)
    _queue_many(outgoing)
    return notifications


def _queue_many(messages: list[OutboundMessage]) -> None:
    from .tasks import deliver_many_task

    if not messages:
        return
    OutboundMessage.objects.bulk_create(messages)
    # One task per batch: publishing thousands of tiny tasks would cost more than sending them.
    for start in range(0, len(messages), 100):
        enqueue_on_commit(deliver_many_task, message_ids=[m.pk for m in messages[start : start + 100]])


def notify_resident(*, demand, kind, **message_kwargs) -> bool:
    """Text the demand's contact phone after commit; False when there is no number to text."""
    phone = (demand.contact_phone or "").strip()
    if not phone:
        return False
    title, body = _render(kind, demand, **message_kwargs)
    outbound_queue(channel=OutboundMessage.Channel.SMS, to=phone, subject=title, body=body)
    return True


def notification_mark_read(*, notification_id, user) -> Notification:
    try:
        notification = Notification.objects.get(pk=notification_id, recipient_id=user.pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        # Someone else's notification gets the same answer as a missing one.
        raise NotFound(_("No such notification.")) from None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # Conditional, so a second click or tab keeps the first reading time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user, kind: str = "") -> int:
    """Mark the user's unread notifications read: all of them, or those of one kind (one digest of the inbox)."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())
