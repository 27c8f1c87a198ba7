"""Queue callbacks for status changes of demands that integrations submitted; the POST happens in a worker.

Runs after the demand's transaction has committed, in its own transaction. A failure here is logged and never
undoes or fails the action that caused it.
"""

import logging
import time

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from demands import signals
from demands.states import TRANSITIONS
from core import versions

from . import callbacks
from .models import ApiToken, Integration, integrations_changed

log = logging.getLogger(__name__)

# Actions that keep the status (notes, urging, escalation) are skipped before any query.
STATUS_KEEPING = frozenset(action for action, (_sources, target) in TRANSITIONS.items() if target is None)


_CALLBACK_USERS: dict = {"ids": frozenset(), "stamp": None, "until": 0.0}
CACHE_SECONDS = 30


def callback_user_ids() -> frozenset:
    """Service accounts of integrations with a callback URL, re-read whenever an integration changed in any process
    (core.versions) and at least every 30 s."""
    now = time.monotonic()
    stamp = versions.current(versions.INTEGRATIONS)
    if stamp is None or stamp != _CALLBACK_USERS["stamp"] or now >= _CALLBACK_USERS["until"]:
        ids = Integration.objects.filter(is_active=True).exclude(callback_url="").values_list("user_id", flat=True)
        _CALLBACK_USERS.update(ids=frozenset(ids), stamp=stamp, until=now + CACHE_SECONDS)
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
@receiver(post_delete, sender=ApiToken, dispatch_uid="integrations.forget_tokens.token_deleted")
@receiver(post_save, sender=Integration, dispatch_uid="integrations.forget_tokens.integration")
@receiver(post_delete, sender=Integration, dispatch_uid="integrations.forget_tokens.integration_deleted")
@receiver(m2m_changed, sender=Integration.townships.through, dispatch_uid="integrations.forget_tokens.townships")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="integrations.forget_tokens.user_deleted")
def _forget_tokens(action=None, **_kwargs):
    # Revoking a token, deactivating an integration or narrowing its townships takes effect in every process on
    # its next request.
    if action is None or action.startswith("post_"):
        integrations_changed()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="integrations.forget_tokens.user")
def _forget_tokens_of_account(update_fields=None, **_kwargs):
    # A sign-in only records last_login: every staff login must not make every process reload every token.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    integrations_changed()
