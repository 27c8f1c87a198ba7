"""Queue callbacks for status changes of demands that integrations submitted; the POST happens in a worker.

Runs after the demand's transaction has committed, in its own transaction. A failure here is logged and never
undoes or fails the action that caused it.
"""

import logging

from django.db import transaction
from django.dispatch import receiver

from demands import signals
from demands.states import TRANSITIONS

from . import callbacks

log = logging.getLogger(__name__)

# Actions that keep the status (notes, urging, escalation) are skipped before any query.
STATUS_KEEPING = frozenset(action for action, (_sources, target) in TRANSITIONS.items() if target is None)


@receiver(signals.demand_event_committed, dispatch_uid="integrations.callbacks")
def on_event(sender, *, event_id, action=None, **kwargs):
    if action in STATUS_KEEPING:
        return
    try:
        with transaction.atomic():
            callbacks.callback_queue(event_id=event_id)
    except Exception:
        log.exception("queueing the callback for event %s failed", event_id)
