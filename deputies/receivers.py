"""Duty records the system writes itself when a deputy acts on a demand (一人一档)."""

import logging

from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from demands import signals
from demands.models import Channel, DemandEvent
from demands.states import Action

from .models import DutyRecord
from .services import duty_record_add

log = logging.getLogger(__name__)

TITLES = {
    # 代表网格通: a demand the deputy typed in from their grid (only deputies' own accounts record them).
    Action.RECEIVE: lambda code: _("Reported demand %(code)s from the field") % {"code": code},
    Action.ACCEPT: lambda code: _("Took demand %(code)s") % {"code": code},
    Action.RESOLVE: lambda code: _("Answered demand %(code)s") % {"code": code},
    Action.FORWARD: lambda code: _("Forwarded demand %(code)s for dispatch") % {"code": code},
}


def kind_of(action) -> str:
    return DutyRecord.Kind.REPORT if action == Action.RECEIVE else DutyRecord.Kind.DEMAND


def demand_detail(demand) -> str:
    """What a demand's duty record says of it: its category and the start of what the resident wrote."""
    return f"{demand.category or ''} {demand.content[:120]}".strip()


@receiver(signals.demand_event_committed, dispatch_uid="deputies.duty_from_demand")
def on_demand_event(sender, *, event_id, action=None, **kwargs):
    if action is not None and action not in TITLES:
        return
    # Every intake is a receive; only a deputy's field report (channel "deputy") is theirs to record.
    if action == Action.RECEIVE and kwargs.get("channel") not in (None, Channel.DEPUTY):
        return
    try:
        event = (DemandEvent.objects.select_related("actor__deputy", "demand__category")
                 .filter(pk=event_id).first())
        deputy = getattr(event.actor, "deputy", None) if event is not None and event.actor_id else None
        if deputy is None or event.action not in TITLES:
            return
        demand = event.demand
        duty_record_add(
            deputy=deputy, kind=kind_of(event.action), occurred_on=timezone.localdate(event.created_at),
            title=TITLES[event.action](demand.public_no),
            detail=demand_detail(demand),
            source="demand_event", source_id=event.pk,
        )
    except Exception:
        # The demand's change has committed; a missing archive entry must not turn into an error for the deputy.
        log.exception("duty record for demand event %s failed", event_id)
