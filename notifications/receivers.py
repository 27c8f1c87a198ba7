"""Who is told what, for each workflow event and each sweep finding (docs/lifecycles.md#who-is-told).

Runs after the demand's transaction has committed, in its own transaction: inbox rows need no broker, and
outbound messages are queued as pending rows that a worker delivers (or the outbound sweep, if the broker was
down). A failure here is logged and never undoes or fails the action that caused it.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from demands import signals
from demands.escalation import OVERDUE, RATING_WINDOW, SUPERVISED, WARNING
from demands.models import DemandEvent, SupervisionOrder
from core.ratelimit import over_phone_limit
from demands.states import HANDLING_STATES, Action, Status

from . import recipients, services
from .models import Notification

log = logging.getLogger(__name__)
Kind = Notification.Kind


def rating_link(demand) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("demands:rate", args=[demand.rating_token])


def tracking_link(demand) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("demands:track_detail", args=[demand.tracking_code])


def _tell_resident(demand, kind, **message_kwargs) -> None:
    """The resident's SMS for one step. A phone typed into many demands (by mistake, or to flood someone) gets at
    most RESIDENT_SMS_PER_DAY of them a day; the tracking page still shows every step."""
    phone = (demand.contact_phone or "").strip()
    if not phone or over_phone_limit("resident_sms", phone, settings.RESIDENT_SMS_PER_DAY, 24 * 3600):
        return
    services.notify_resident(demand=demand, kind=kind, **message_kwargs)


def _guarded(fn):
    def wrapper(sender, **kwargs):
        try:
            with transaction.atomic():
                fn(**kwargs)
        except Exception:
            log.exception("notification for %s failed", kwargs)

    wrapper.__name__ = fn.__name__
    return wrapper


TOLD = {Action.RECEIVE, Action.REJECT, Action.RESOLVE, Action.DISPATCH, Action.REASSIGN, Action.REOPEN, Action.RETURN,
        Action.REQUEST_EXTENSION, Action.VERIFY, Action.RATE, Action.ROUTE, Action.FORWARD, Action.SUPPLEMENT,
        Action.CHASE, Action.WITHDRAW}
# Joint handling: the department asked is told, with its deadline; the lead unit hears of each opinion.
TOLD |= {Action.ADD_COHANDLER, Action.COHANDLER_OPINION}


@receiver(signals.demand_event_committed, dispatch_uid="notifications.event")
def on_event(sender, *, event_id, action=None, demand=None, **kwargs):
    # Filter before opening a transaction: sweeps send this for every escalation event.
    if action == Action.RECEIVE and demand is not None:
        # Intake's hot path: the receipt needs only the committed row, not a read of it and a transaction.
        _send_receipt(demand)
    elif action is None or action in TOLD:
        _tell_about_event(sender, event_id=event_id, **kwargs)


def _send_receipt(demand) -> None:
    try:
        _tell_resident(demand, Kind.RECEIPT, link=tracking_link(demand))
    except Exception:
        log.exception("receipt for demand %s not queued", demand.pk)


@_guarded
def _tell_about_event(*, event_id, **_kwargs):
    event = DemandEvent.objects.select_related("demand__category", "demand__township").filter(pk=event_id).first()
    if event is None:
        return
    demand, action = event.demand, event.action
    _tell_resident_about(event, demand)
    if action in (Action.DISPATCH, Action.REASSIGN, Action.REOPEN, Action.ROUTE):
        services.notify_staff(users=recipients.unit_members(demand), kind=Kind.DISPATCHED, demand=demand,
                              deadline=demand.accept_deadline)
    elif action == Action.RETURN:
        services.notify_staff(users=recipients.dispatchers_for(demand), kind=Kind.RETURNED, demand=demand,
                              unit=event.data.get("unit", ""), reason=event.note)
    elif action == Action.FORWARD:
        services.notify_staff(users=recipients.dispatchers_for(demand), kind=Kind.FORWARDED, demand=demand,
                              unit=event.data.get("unit", ""), reason=event.note)
    elif action == Action.REQUEST_EXTENSION:
        services.notify_staff(users=recipients.dispatchers_for(demand), kind=Kind.EXTENSION_REQUESTED, demand=demand,
                              days=event.data.get("days"), reason=event.note)
    elif action == Action.VERIFY and demand.rating_token:
        services.notify_resident(demand=demand, kind=Kind.RATING_LINK, link=rating_link(demand))
    elif action == Action.SUPPLEMENT:
        # Whoever holds it now; before dispatch, or once it is back with the centre, the dispatchers.
        held = demand.unit_grid_id or demand.unit_department_id or demand.unit_deputy_id
        users = recipients.unit_members(demand) if held else recipients.dispatchers_for(demand)
        services.notify_staff(users=users, kind=Kind.SUPPLEMENTED, demand=demand, text=event.note)
    elif action == Action.CHASE:
        users = recipients.unit_members(demand) + recipients.supervisors_for(demand)
        services.notify_staff(users=users, kind=Kind.CHASED, demand=demand, chases=event.data.get("chases", 1),
                              note=event.note)
    elif action == Action.WITHDRAW and event.data.get("unit"):
        # A unit it was dispatched to stops, and so do departments asked to co-handle it; before dispatch it simply
        # leaves the centre's queue.
        users = recipients.unit_members(demand) + recipients.pending_cohandling_members(demand)
        services.notify_staff(users=users, kind=Kind.WITHDRAWN, demand=demand, reason=event.note)
    elif action == Action.RATE and demand.flagged:
        services.notify_staff(users=recipients.supervisors_for(demand), kind=Kind.FLAGGED, demand=demand)
    elif action == Action.ADD_COHANDLER:
        _tell_cohandler(event, demand)
    elif action == Action.COHANDLER_OPINION:
        services.notify_staff(users=recipients.unit_members(demand), kind=Kind.COHANDLING_OPINION, demand=demand,
                              unit=event.data.get("unit", ""), late=bool(event.data.get("late")))


def _tell_cohandler(event, demand):
    # The department named in the event, not every co-handler: each is told once, when it is asked.
    services.notify_staff(users=recipients.department_members(event.data.get("department_id")),
                          kind=Kind.COHANDLING_REQUESTED, demand=demand,
                          deadline=parse_datetime(event.data.get("due_at") or ""), lead=str(demand.unit or ""),
                          note=event.note)


def _tell_resident_about(event, demand) -> None:
    """Each step the resident would want a text for. Steps taken in one go (auto-routing at intake, a patrol report
    solved on the spot, an auto-verified reply) are told by the state the demand reached, not once per step."""
    action = event.action
    if action == Action.RECEIVE:
        _tell_resident(demand, Kind.RECEIPT, link=tracking_link(demand))
    elif action == Action.REJECT:
        _tell_resident(demand, Kind.RESIDENT_REJECTED)
    elif action in (Action.DISPATCH, Action.REASSIGN, Action.ROUTE) and demand.status in HANDLING_STATES:
        _tell_resident(demand, Kind.RESIDENT_DISPATCHED)
    elif action == Action.REOPEN and demand.status in HANDLING_STATES:
        _tell_resident(demand, Kind.REOPENED)
    elif action == Action.RESOLVE and demand.status == Status.RESOLVED:
        # Auto-verified, it is already VERIFIED and the rating link says it all.
        _tell_resident(demand, Kind.REPLIED)


@receiver(signals.demands_escalated, dispatch_uid="notifications.escalated")
@_guarded
def on_escalated(*, escalations, **_kwargs):
    """escalations: [(demand, level)] of one sweep chunk, told in a few statements."""
    index = recipients.RecipientIndex([demand for demand, _level in escalations])
    orders = {o.demand_id: o for o in SupervisionOrder.objects.filter(
        demand_id__in=[d.pk for d, level in escalations if level == SUPERVISED], answered_at__isnull=True)}
    notices = []
    for demand, level in escalations:
        if level == WARNING:
            notices.append(services.StaffNotice(index.unit_members(demand), Kind.ESCALATION_WARNING, demand,
                                                message_kwargs={"level": level, "deadline": demand.resolve_deadline}))
        elif level == OVERDUE:
            # The unit and the township centre.
            users = [*index.unit_members(demand), *index.dispatchers_for(demand)]
            notices.append(services.StaffNotice(users, Kind.ESCALATION_OVERDUE, demand,
                                                message_kwargs={"level": level, "deadline": demand.resolve_deadline}))
        elif level == SUPERVISED:
            order = orders.get(demand.pk)
            # The township centre too: a sweep after a stop goes straight to 督办, and they were never told of 红灯.
            users = [*index.supervisors_for(demand), *index.unit_members(demand), *index.dispatchers_for(demand)]
            notices.append(services.StaffNotice(users, Kind.SUPERVISION_ORDER, demand, message_kwargs={
                "deadline": order.due_date if order else None, "note": order.note if order else ""}))
    services.notify_staff_many(notices)


@receiver(signals.demand_accept_overdue, dispatch_uid="notifications.accept_overdue")
@_guarded
def on_accept_overdue(*, demand, **_kwargs):
    services.notify_staff(users=recipients.dispatchers_for(demand), kind=Kind.ACCEPT_OVERDUE, demand=demand,
                          deadline=demand.accept_deadline)


@receiver(signals.demand_rating_reminder_due, dispatch_uid="notifications.rating_reminder")
@_guarded
def on_rating_reminder(*, demand, number, **_kwargs):
    if demand.rating_token:
        services.notify_resident(demand=demand, kind=Kind.RATING_REMINDER, link=rating_link(demand),
                                 deadline=demand.verified_at + RATING_WINDOW)


@receiver(signals.sign_in_code_issued, dispatch_uid="notifications.sign_in_code")
def on_sign_in_code(sender, *, phone, code, **_kwargs):
    """The SMS sign-in code (demands.phone_signin), queued in the transaction that stores it. Not guarded: a code
    that cannot be queued must fail the request, not leave the resident waiting for a text that never comes."""
    from django.utils.translation import gettext as _
    from django.utils import translation

    from .models import OutboundMessage

    with translation.override(settings.LANGUAGE_CODE):
        services.outbound_queue(
            channel=OutboundMessage.Channel.SMS, to=phone, subject=_("Sign-in code"),
            body=_("Your sign-in code is %(code)s, valid for 10 minutes. Do not tell it to anyone, staff included.")
            % {"code": code})
