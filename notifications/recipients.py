"""Who hears about a demand, as queries. Each mirrors a predicate in demands.permissions."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from accounts.models import Role


def _active() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def unit_members(demand) -> QuerySet:
    """Staff of the unit now holding the demand (permissions.is_unit_member)."""
    if demand.unit_department_id is not None:
        return _active().filter(role=Role.HANDLER, department_id=demand.unit_department_id)
    if demand.unit_grid_id is not None:
        return _active().filter(role=Role.GRID_WORKER, grid_id=demand.unit_grid_id)
    if demand.unit_deputy_id is not None:
        return _active().filter(role=Role.DEPUTY, deputy_id=demand.unit_deputy_id)
    return _active().none()


def dispatchers_for(demand) -> QuerySet:
    """District dispatchers, and the township's own unless the district centre took the demand over
    (permissions.is_dispatcher_for)."""
    scope = Q(township__isnull=True)
    if demand.township_id is not None and not demand.at_district_centre:
        scope |= Q(township_id=demand.township_id)
    return _active().filter(scope, role=Role.DISPATCHER)


def supervisors_for(demand) -> QuerySet:
    """District supervisors and those of the demand's township (permissions.is_supervisor_for)."""
    scope = Q(township__isnull=True)
    if demand.township_id is not None:
        scope |= Q(township_id=demand.township_id)
    return _active().filter(scope, role=Role.SUPERVISOR)
