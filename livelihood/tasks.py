"""Celery tasks of the ballot: safe to run twice or in two workers at once."""

import logging

from celery import shared_task

from core.errors import ApplicationError

from . import selectors, services

log = logging.getLogger(__name__)

# acks_late + reject_on_worker_lost: a sweep killed halfway is redelivered; each count is idempotent.
SWEEP = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="livelihood.ballot_tally_sweep", **SWEEP)
def ballot_tally_sweep_task() -> int:
    """Count the sealed ballots of every round whose voting has closed, each in its own transaction."""
    counted = 0
    for round_id in selectors.rounds_to_tally():
        try:
            services.round_tally(round_id=round_id)
            counted += 1
        except ApplicationError:
            # A box that does not open or does not match stays uncounted, for a person to look at.
            log.exception("ballot count of round %s refused", round_id)
    return counted
