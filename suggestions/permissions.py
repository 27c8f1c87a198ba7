"""Who may do what to a suggestion: one predicate per action, plus who may see it at all."""

from django.core.exceptions import ObjectDoesNotExist

from accounts.models import Role
from core.actors import is_staff_user

from .states import Action, Status


def _deputy_id(user):
    return user.deputy_id if is_staff_user(user) and user.role == Role.DEPUTY else None


def _proposer_ids(suggestion) -> dict[int, bool]:
    """deputy id -> is lead; read once per suggestion object (prefetched where lists need it)."""
    cached = getattr(suggestion, "_proposer_ids", None)
    if cached is None:
        cached = {p.deputy_id: p.is_lead for p in suggestion.proposers.all()}
        suggestion._proposer_ids = cached
    return cached


def is_proposer(user, suggestion) -> bool:
    deputy = _deputy_id(user)
    return deputy is not None and deputy in _proposer_ids(suggestion)


def is_lead_proposer(user, suggestion) -> bool:
    deputy = _deputy_id(user)
    return deputy is not None and _proposer_ids(suggestion).get(deputy) is True


def is_supervisor_for(user, suggestion) -> bool:
    """District supervisors see every suggestion; a township supervisor those led by the township's deputies."""
    if not is_staff_user(user) or user.role != Role.SUPERVISOR:
        return False
    if user.township_id is None:
        return True
    from deputies.models import Deputy

    lead = [d for d, is_lead in _proposer_ids(suggestion).items() if is_lead]
    return bool(lead) and Deputy.objects.filter(pk=lead[0], township_id=user.township_id).exists()


def assignment_of(suggestion):
    try:
        return suggestion.assignment
    except ObjectDoesNotExist:  # not assigned yet
        return None


def reply_of(suggestion):
    try:
        return suggestion.reply
    except ObjectDoesNotExist:  # not replied yet
        return None


def is_lead_handler(user, suggestion) -> bool:
    if not is_staff_user(user) or user.role != Role.HANDLER or user.department_id is None:
        return False
    assignment = assignment_of(suggestion)
    return assignment is not None and assignment.lead_department_id == user.department_id


def is_co_handler(user, suggestion) -> bool:
    if not is_staff_user(user) or user.role != Role.HANDLER or user.department_id is None:
        return False
    assignment = assignment_of(suggestion)
    return assignment is not None and any(d.pk == user.department_id for d in assignment.co_departments.all())


def can_view(user, suggestion) -> bool:
    """Mirrors selectors.scope_q for one suggestion already in memory."""
    if not is_staff_user(user):
        return False
    if user.is_superuser or is_proposer(user, suggestion):
        return True
    if suggestion.status == Status.DRAFT:
        return False  # a draft belongs to its proposers until submitted
    return is_supervisor_for(user, suggestion) or is_lead_handler(user, suggestion) or is_co_handler(user, suggestion)


def can_draft(user) -> bool:
    return _deputy_id(user) is not None


CAN = {
    Action.EDIT: is_lead_proposer,
    Action.LINK: is_proposer,
    Action.UNLINK: is_proposer,
    Action.SUBMIT: is_lead_proposer,
    Action.PASS_REVIEW: is_supervisor_for,
    Action.RETURN_DRAFT: is_supervisor_for,
    Action.WITHDRAW: is_lead_proposer,
    Action.ASSIGN: is_supervisor_for,
    Action.REPLY: is_lead_handler,
    Action.OPINION: is_co_handler,
    Action.EVALUATE: is_proposer,
    Action.CLOSE: is_supervisor_for,
    Action.FOLLOW_UP: is_lead_handler,
    Action.CONTACT: is_lead_handler,
}
