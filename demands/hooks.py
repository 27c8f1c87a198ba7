"""Who is told what when the sweeps act. Kept apart so the sweeps stay about state, not messaging."""

import logging

log = logging.getLogger(__name__)


def escalated(demand, level: int) -> None:
    log.info("demand %s escalated to level %s", demand.tracking_code, level)


def accept_overdue(demand) -> None:
    log.info("demand %s not accepted by %s", demand.tracking_code, demand.accept_deadline)


def rating_reminder(demand, number: int) -> None:
    log.info("rating reminder %s for demand %s", number, demand.tracking_code)
