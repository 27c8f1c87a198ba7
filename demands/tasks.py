"""Celery tasks: thin wrappers over the sweeps, safe to run twice or in two workers at once."""

from celery import shared_task

from . import escalation, uploads

# acks_late + reject_on_worker_lost: a sweep killed halfway is redelivered; being idempotent, rerunning is safe.
SWEEP = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="demands.escalation_sweep", **SWEEP)
def escalation_sweep_task():
    return escalation.escalation_sweep()


@shared_task(name="demands.accept_reminder_sweep", **SWEEP)
def accept_reminder_sweep_task():
    return escalation.accept_reminder_sweep()


@shared_task(name="demands.rating_sweep", **SWEEP)
def rating_sweep_task():
    return escalation.rating_sweep()


@shared_task(name="demands.escalate_one", **SWEEP)
def demand_escalate_task(demand_id: int):
    return escalation.demand_escalate(demand_id=demand_id)


@shared_task(name="demands.photo_sweep", **SWEEP)
def photo_sweep_task(months: int | None = 2):
    # months=None walks every folder: once after a long outage of beat.
    return uploads.photo_sweep(months=months)
