"""Queue callbacks for status changes of demands that integrations submitted; the POST happens in a worker.

Runs after the demand's transaction has committed, in its own transaction. A failure here is logged and never
undoes or fails the action that caused it.
"""

import logging
import time

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from demands import signals
from demands.states import TRANSITIONS

from . import callbacks
from .models import ApiToken, Integration, forget_cached_tokens

log = logging.getLogger(__name__)

# Actions that keep the status (notes, urging, escalation) are skipped before any query.
STATUS_KEEPING = frozenset(action for action, (_sources, target) in TRANSITIONS.items() if target is None)


_CALLBACK_USERS: dict = {"ids": frozenset(), "until": 0.0}
CACHE_SECONDS = 30


def callback_user_ids() -> frozenset:
    """Service accounts of integrations with a callback URL, re-read every 30 s (and whenever one is saved)."""
    now = time.monotonic()
    if now >= _CALLBACK_USERS["until"]:
        ids = Integration.objects.filter(is_active=True).exclude(callback_url="").values_list("user_id", flat=True)
        _CALLBACK_USERS.update(ids=frozenset(ids), until=now + CACHE_SECONDS)
    return _CALLBACK_USERS["ids"]


@receiver(post_save, sender=Integration, dispatch_uid="integrations.callback_users")
def _forget_callback_users(**_kwargs):
    _CALLBACK_USERS["until"] = 0.0


@receiver(signals.demand_event_committed, dispatch_uid="integrations.callbacks")
def on_event(sender, *, event_id, action=None, submitted_by_id=None, **kwargs):
    if action in STATUS_KEEPING:
        return
    # Most demands were not pushed by an integration with a callback: decide that without a query.
    if submitted_by_id not in callback_user_ids():
        return
    try:
        callbacks.callback_queue(event_id=event_id)
    except Exception:
        log.exception("queueing the callback for event %s failed", event_id)


@receiver(post_save, sender=ApiToken, dispatch_uid="integrations.forget_tokens.token")
@receiver(post_save, sender=Integration, dispatch_uid="integrations.forget_tokens.integration")
@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="integrations.forget_tokens.user")
def _forget_tokens(**_kwargs):
    # Revoking a token or deactivating its owner takes effect at once in this process (others within a minute).
    forget_cached_tokens()
