"""Enqueue Celery tasks after commit, never failing the request that asked for them."""

import logging
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)


def _send(task, kwargs):
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except Exception:  # broker down: the periodic sweeps find the work from database state later
        log.warning("could not enqueue %s(%s); a periodic sweep will catch up", task.name, kwargs, exc_info=True)


def enqueue_on_commit(task, **kwargs) -> None:
    transaction.on_commit(partial(_send, task, kwargs))
