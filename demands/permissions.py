"""Who may do what to a demand: one predicate per action, plus scope and personal-data rules."""


from accounts.models import Role
from core.actors import SYSTEM, ResidentActor, is_staff_user

from .models import Channel
from .states import Action


def _township_matches(user, demand) -> bool:
    return user.township_id is None or user.township_id == demand.township_id


def is_dispatcher_for(user, demand) -> bool:
    if not is_staff_user(user) or user.role != Role.DISPATCHER:
        return False
    if user.township_id is None:
        return True
    # After its third return a demand belongs to the district centre (首办负责制).
    return user.township_id == demand.township_id and not demand.at_district_centre


def is_unit_member(user, demand) -> bool:
    if not is_staff_user(user):
        return False
    if user.role == Role.HANDLER:
        return demand.unit_department_id is not None and demand.unit_department_id == user.department_id
    if user.role == Role.GRID_WORKER:
        return demand.unit_grid_id is not None and demand.unit_grid_id == user.grid_id
    if user.role == Role.DEPUTY:
        return demand.unit_deputy_id is not None and demand.unit_deputy_id == user.deputy_id
    return False


def is_deputy_unit(user, demand) -> bool:
    """The deputy holding the demand (only deputies forward a demand into dispatch)."""
    return is_unit_member(user, demand) and user.role == Role.DEPUTY


def is_following_deputy(user, demand) -> bool:
    """The deputy a demand was addressed to keeps following it after forwarding it."""
    return (is_staff_user(user) and user.role == Role.DEPUTY and user.deputy_id is not None
            and demand.addressed_deputy_id == user.deputy_id)


def is_supervisor_for(user, demand) -> bool:
    return is_staff_user(user) and user.role == Role.SUPERVISOR and _township_matches(user, demand)


def is_submitter(actor, demand) -> bool:
    if isinstance(actor, ResidentActor):
        return actor.demand_id == demand.pk
    return is_staff_user(actor) and demand.submitted_by_id == actor.pk


def is_resident_submitter(actor, demand) -> bool:
    """The resident who asked: holding the code or the rating link, or signed in as the registered resident
    who submitted it. Staff and integrations never are, even when they typed the demand in for someone."""
    if isinstance(actor, ResidentActor):
        return actor.demand_id == demand.pk
    return is_staff_user(actor) and actor.role == Role.RESIDENT and demand.submitted_by_id == actor.pk


def sees_internal_history(viewer) -> bool:
    """Internal events (private notes, extension reasons, orders, staff names) are for staff only."""
    return is_staff_user(viewer) and viewer.role != Role.RESIDENT


def integration_township_ids(user) -> list[int] | None:
    """Townships an integration client may read; None means the whole district."""
    cached = getattr(user, "_integration_townships", False)
    if cached is not False:
        return cached
    integration = getattr(user, "integration", None)
    ids = list(integration.townships.values_list("pk", flat=True)) if integration is not None else []
    user._integration_townships = ids or None
    return user._integration_townships


def can_view(user, demand) -> bool:
    """Mirrors selectors.scope_q for one demand already in memory."""
    if not is_staff_user(user):
        return False
    if user.is_superuser:
        return True
    if user.role == Role.DISPATCHER:
        return _township_matches(user, demand)
    if user.role == Role.SUPERVISOR:
        return _township_matches(user, demand)
    if user.role in (Role.GRID_WORKER, Role.MICRO_GRID_LEADER, Role.DEPUTY) and demand.submitted_by_id == user.pk:
        return True  # their own report (巡查上报, 代表网格通), followed wherever it went
    if user.role == Role.MICRO_GRID_LEADER:
        return user.micro_grid_id is not None and demand.micro_grid_id == user.micro_grid_id
    if user.role == Role.GRID_WORKER:
        return is_unit_member(user, demand) or (user.grid_id is not None and demand.grid_id == user.grid_id)
    if user.role == Role.HANDLER:
        return is_unit_member(user, demand) or is_cohandling_member(user, demand)
    if user.role == Role.DEPUTY:
        return is_unit_member(user, demand) or is_following_deputy(user, demand)
    if user.role == Role.INTEGRATION:
        townships = integration_township_ids(user)
        return townships is None or demand.township_id in townships or demand.submitted_by_id == user.pk
    return demand.submitted_by_id == user.pk


def in_scope(actor, demand) -> bool:
    """Whether the demand exists for `actor` at all: outside it, every action is the 404 of a missing demand."""
    if actor is SYSTEM:
        return True
    if isinstance(actor, ResidentActor):
        return actor.demand_id == demand.pk
    return can_view(actor, demand)


def held_by_addressed_deputy(demand) -> bool:
    """A resident wrote to this deputy (QR code, station page) and the deputy still holds it."""
    return demand.addressed_deputy_id is not None and demand.unit_deputy_id == demand.addressed_deputy_id


def can_see_personal_data(viewer, demand) -> bool:
    """Name and phone are for those handling the demand; everyone else sees them masked (docs/threat-model.md#personal-data).
    While the deputy a resident wrote to holds the demand, that deputy alone handles it: the centres see it masked."""
    if is_dispatcher_for(viewer, demand):
        return not held_by_addressed_deputy(demand)
    return is_unit_member(viewer, demand) or is_submitter(viewer, demand)


def can_see_system_checks(user) -> bool:
    """The classifier's suggestion and the reply-quality flags are for staff, not for the resident who asked."""
    return is_staff_user(user) and user.role != Role.RESIDENT


def _system(actor, demand) -> bool:
    return actor is SYSTEM


def _anyone(actor, demand) -> bool:
    return True


def can_verify(actor, demand) -> bool:
    return actor is SYSTEM or is_supervisor_for(actor, demand)


def can_reopen(actor, demand) -> bool:
    # The system reopens after a first "dissatisfied" rating.
    return actor is SYSTEM or is_supervisor_for(actor, demand)


def is_reporting_grid_worker(actor, demand) -> bool:
    """A grid worker's own patrol report: theirs to classify and take into their own grid (就地办结); the service
    holds them to that grid."""
    return (is_staff_user(actor) and actor.role == Role.GRID_WORKER and actor.grid_id is not None
            and demand.channel == Channel.PATROL and demand.submitted_by_id == actor.pk)


def can_classify_or_dispatch(actor, demand) -> bool:
    # The system classifies and dispatches a confident, routable demand right after receive (demands.routing).
    return actor is SYSTEM or is_dispatcher_for(actor, demand) or is_reporting_grid_worker(actor, demand)


CAN = {
    Action.RECEIVE: _anyone,
    Action.CLASSIFY: can_classify_or_dispatch,
    Action.REJECT: is_dispatcher_for,
    Action.MERGE: is_dispatcher_for,
    Action.DISPATCH: can_classify_or_dispatch,
    Action.ACCEPT: is_unit_member,
    Action.RETURN: is_unit_member,
    Action.REASSIGN: is_dispatcher_for,
    Action.REQUEST_EXTENSION: is_unit_member,
    Action.EXTEND: is_dispatcher_for,
    Action.DENY_EXTENSION: is_dispatcher_for,
    Action.NOTE: is_unit_member,
    Action.RESOLVE: is_unit_member,
    Action.VERIFY: can_verify,
    Action.REOPEN: can_reopen,
    # Only the resident rates: never the unit being rated, other staff or the integration that typed it in.
    Action.RATE: is_resident_submitter,
    Action.EXPIRE_RATING: _system,
    Action.URGE: is_supervisor_for,
    Action.ESCALATE: _system,
    Action.ROUTE: _system,
    Action.FORWARD: is_deputy_unit,
    Action.SUPPLEMENT: is_resident_submitter,
    Action.CHASE: is_resident_submitter,
    Action.WITHDRAW: is_resident_submitter,
}


# ---------------------------------------------------------------- joint handling (主办/协办)


def cohandling_states(demand) -> dict:
    """{department id: state} of the departments asked to co-handle `demand` and not withdrawn; read once per
    instance, since a page asks for every action it might offer."""
    cached = demand.__dict__.get("_cohandling_states")
    if cached is None:
        from .models import CoHandling

        cached = dict(CoHandling.objects.filter(demand_id=demand.pk).exclude(state=CoHandling.State.WITHDRAWN)
                      .values_list("department_id", "state"))
        demand.__dict__["_cohandling_states"] = cached
    return cached


def is_cohandling_member(user, demand) -> bool:
    """A handler of a department co-handling the demand: sees it and gives the opinion, nothing the lead does."""
    # The lead's own department (a reassignment may make a co-handler the lead) acts as the lead, not beside it.
    return (is_staff_user(user) and user.role == Role.HANDLER and user.department_id is not None
            and user.department_id != demand.unit_department_id
            and demand.pk is not None and user.department_id in cohandling_states(demand))


CAN.update({
    Action.ADD_COHANDLER: is_dispatcher_for,
    Action.COHANDLER_OPINION: is_cohandling_member,
    Action.REMOVE_COHANDLER: is_dispatcher_for,
})
