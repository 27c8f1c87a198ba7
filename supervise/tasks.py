"""Celery tasks of the supervision side."""

from celery import shared_task

from . import rollup


@shared_task(name="supervise.compact_figures", ignore_result=True)
def compact_figures() -> int:
    """Fold the figure ledger's new rows; safe beside writers and a second run (supervise.rollup.compact)."""
    return rollup.compact()
