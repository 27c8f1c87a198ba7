"""Callback delivery outside the request that caused it; safe to run twice or in two workers at once."""

import logging

from celery import shared_task

from . import callbacks

log = logging.getLogger(__name__)

# acks_late + reject_on_worker_lost: an attempt killed halfway is redelivered; the claim makes a rerun harmless.
ONCE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="integrations.callback_attempt", **ONCE)
def callback_attempt_task(delivery_id: int):
    _attempt(delivery_id)


@shared_task(name="integrations.callback_sweep", **ONCE)
def callback_sweep_task():
    """Attempt what is overdue, e.g. after a broker outage lost the countdown tasks."""
    ids = callbacks.due_deliveries()
    for delivery_id in ids:
        _attempt(delivery_id)
    return len(ids)


def _attempt(delivery_id: int) -> None:
    delay = callbacks.callback_attempt(delivery_id=delivery_id)
    if delay is None:
        return
    try:
        callback_attempt_task.apply_async(kwargs={"delivery_id": delivery_id}, countdown=delay, retry=False)
    except Exception:  # broker down: the row stays pending with its next_attempt_at, and the sweep retries it
        log.warning("could not schedule callback delivery %s; the sweep will retry it", delivery_id, exc_info=True)
