"""Who may do what in the satisfaction evaluation: one predicate per action."""

from accounts.models import Role
from core.actors import is_staff_user
from deputies.models import Deputy

from .states import RectificationAction, RoundAction, RoundStatus


def is_evaluation_staff(actor) -> bool:
    """The district people's congress staff who run the rounds and verify rectification (a district supervisor)."""
    return is_staff_user(actor) and (actor.is_superuser or (actor.role == Role.SUPERVISOR and actor.township_id is None))


def may_view_rounds(actor) -> bool:
    """Every round's sheets, drafts included: supervisors (of a township too) follow them."""
    return is_staff_user(actor) and (actor.is_superuser or actor.role == Role.SUPERVISOR)


def rating_deputy(actor):
    """The deputy a signed-in account rates for: an active deputy of the district people's congress, or None."""
    if not is_staff_user(actor) or actor.role != Role.DEPUTY or not actor.deputy_id:
        return None
    deputy = Deputy.objects.filter(pk=actor.deputy_id, is_active=True, level=Deputy.Level.COUNTY).first()
    return deputy


def can_view_round(actor, round_) -> bool:
    # Open rounds are public (residents rate them); a draft only for staff who follow the rounds.
    return round_.status != RoundStatus.DRAFT or may_view_rounds(actor)


def can_rate_as_deputy(actor, round_) -> bool:
    return rating_deputy(actor) is not None


def can_rate_as_resident(actor, round_) -> bool:
    # Staff accounts do not rate as residents: their view is the figures and, for deputies, their own form.
    return not is_staff_user(actor) or actor.role == Role.RESIDENT


ROUND_CAN = {
    RoundAction.OPEN: lambda actor, round_: is_evaluation_staff(actor),
    RoundAction.RATE_DEPUTY: can_rate_as_deputy,
    RoundAction.RATE_RESIDENT: can_rate_as_resident,
    RoundAction.COUNT: lambda actor, round_: is_evaluation_staff(actor),
    RoundAction.PUBLISH: lambda actor, round_: is_evaluation_staff(actor),
    RoundAction.CLOSE: lambda actor, round_: is_evaluation_staff(actor),
}


def is_unit_handler(actor, rectification) -> bool:
    return (is_staff_user(actor) and actor.role == Role.HANDLER
            and actor.department_id == rectification.sheet.department_id)


def can_view_rectification(actor, rectification) -> bool:
    """The unit's own handlers and the supervisors; anyone else gets the same 404 as for a missing task."""
    return may_view_rounds(actor) or is_unit_handler(actor, rectification)


def may_view_rectifications(actor) -> bool:
    """The rectification list: the supervisors, and handlers (who see their own unit's)."""
    return may_view_rounds(actor) or (is_staff_user(actor) and actor.role == Role.HANDLER)


RECTIFICATION_CAN = {
    RectificationAction.PLAN: is_unit_handler,
    RectificationAction.INTERVIEW: lambda actor, rectification: is_evaluation_staff(actor),
    RectificationAction.VERIFY: lambda actor, rectification: is_evaluation_staff(actor),
}
