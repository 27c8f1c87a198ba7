"""Who may do what in the ballot: one predicate per action."""

from django.db.models import Q

from accounts.models import Role
from core.actors import is_staff_user
from deputies.models import Deputy


def voter_eligibility() -> Q:
    """The one rule of who votes: active deputies of the district people's congress (区人大代表).

    Change it here; `is_eligible_voter` and the turnout figures both read it.
    """
    return Q(is_active=True, level=Deputy.Level.COUNTY)


def is_eligible_voter(deputy) -> bool:
    return deputy is not None and Deputy.objects.filter(voter_eligibility(), pk=deputy.pk).exists()


def voter_deputy(actor):
    """The deputy a signed-in deputy account speaks for, or None."""
    if not is_staff_user(actor) or actor.role != Role.DEPUTY:
        return None
    return actor.deputy if actor.deputy_id else None


def is_ballot_staff(actor) -> bool:
    """The district people's congress staff who screen, fix candidates and publish (or a superuser)."""
    if not is_staff_user(actor):
        return False
    return actor.is_superuser or (actor.role == Role.SUPERVISOR and actor.township_id is None)


def can_vote(actor) -> bool:
    return is_eligible_voter(voter_deputy(actor))


def can_view_screening(actor) -> bool:
    """Any staff account may follow the screening; contacts stay masked unless `can_see_proposal_contacts`."""
    return is_staff_user(actor) and (actor.is_superuser or actor.role not in (Role.RESIDENT, Role.INTEGRATION))


def can_see_proposal_contacts(actor) -> bool:
    return is_ballot_staff(actor)


def can_edit_candidates(actor) -> bool:
    return is_ballot_staff(actor)


def can_screen(actor) -> bool:
    return is_ballot_staff(actor)


def can_publish(actor) -> bool:
    return is_ballot_staff(actor)


def can_open_round(actor) -> bool:
    return is_ballot_staff(actor)


def can_report_on(actor, project) -> bool:
    """Monthly progress and quarterly reports: the responsible department's handlers, or the ballot staff."""
    if is_ballot_staff(actor):
        return True
    return is_staff_user(actor) and actor.role == Role.HANDLER and actor.department_id == project.department_id


def can_evaluate_as_deputy(actor) -> bool:
    return is_eligible_voter(voter_deputy(actor))
