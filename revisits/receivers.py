"""A call-back falls due when the unit replies and after every dissatisfied rating (docs/lifecycles.md#call-backs);
the demand's call-back flags follow its rating and round (docs/figures.md#call-back-figures).

Runs after the demand's transaction has committed, in its own: a failure is logged and never undoes the demand's
action; `manage.py revisit_backfill` creates what a failed run missed.
"""

import logging

from django.dispatch import receiver

from demands import signals
from demands.states import Action

from . import services

log = logging.getLogger(__name__)

DUE_AFTER = {Action.RESOLVE, Action.RATE}
# The events that set or clear the rating or start a new round: the only demand changes the flags read (the phone
# number never changes after receipt). Closing unrated leaves the rating empty and the round as it was, so the
# rating sweep's events are ignored here like the escalation sweep's.
FLAGS_AFTER = {Action.RATE, Action.REOPEN}


@receiver(signals.demand_event_committed, dispatch_uid="revisits.event")
def on_event(sender, *, event_id, action=None, **kwargs):
    # Filter before touching the database: sweeps send this for every escalation event.
    if action is not None and action not in DUE_AFTER | FLAGS_AFTER:
        return
    try:
        if action is None or action in DUE_AFTER:
            services.revisit_tasks_for_event(event_id=event_id)
        if action is None or action in FLAGS_AFTER:
            services.callback_flags_for_event(event_id=event_id)
    except Exception:
        log.exception("call-back or call-back flags for demand event %s not updated", event_id)
