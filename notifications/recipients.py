"""Who hears about a demand, as queries. Each mirrors a predicate in demands.permissions."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from accounts.models import Role
from demands.models import CoHandling


def _active() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def unit_members(demand) -> list:
    """Staff of the unit now holding the demand (permissions.is_unit_member)."""
    return RecipientIndex([demand]).unit_members(demand)


def dispatchers_for(demand) -> list:
    """District dispatchers, and the township's own unless the district centre took the demand over
    (permissions.is_dispatcher_for)."""
    return RecipientIndex([demand]).dispatchers_for(demand)


def supervisors_for(demand) -> list:
    """District supervisors and those of the demand's township (permissions.is_supervisor_for)."""
    return RecipientIndex([demand]).supervisors_for(demand)


def department_members(department_id) -> list:
    """Handlers of one department: a co-handling department is told as the unit holding a demand is."""
    return list(_active().filter(role=Role.HANDLER, department_id=department_id)) if department_id else []


def pending_cohandling_members(demand) -> list:
    """Handlers of the departments still asked for an opinion on `demand` (协办), in one query: when the demand
    ends under them they hear it as the lead does, or they would wait on a request nobody can answer any more."""
    pending = CoHandling.objects.filter(demand_id=demand.pk, state=CoHandling.State.PENDING)
    return list(_active().filter(role=Role.HANDLER, department_id__in=pending.values("department_id")))


class RecipientIndex:
    """The staff who could hear about any of `demands`, loaded in one query.

    The one place these rules live: sweeps use it for many demands at once, the functions above for one.
    """

    def __init__(self, demands):
        departments = {d.unit_department_id for d in demands} - {None}
        grids = {d.unit_grid_id for d in demands} - {None}
        deputies = {d.unit_deputy_id for d in demands} - {None}
        townships = {d.township_id for d in demands} - {None}
        users = _active().filter(
            Q(role=Role.HANDLER, department_id__in=departments) | Q(role=Role.GRID_WORKER, grid_id__in=grids)
            | Q(role=Role.DEPUTY, deputy_id__in=deputies)
            | Q(role__in=[Role.DISPATCHER, Role.SUPERVISOR], township__isnull=True)
            | Q(role__in=[Role.DISPATCHER, Role.SUPERVISOR], township_id__in=townships)
        )
        self.by_key: dict[tuple, list] = {}
        for user in users:
            key = {
                Role.HANDLER: ("department", user.department_id), Role.GRID_WORKER: ("grid", user.grid_id),
                Role.DEPUTY: ("deputy", user.deputy_id),
            }.get(user.role, (user.role, user.township_id))
            self.by_key.setdefault(key, []).append(user)

    def unit_members(self, demand) -> list:
        if demand.unit_department_id is not None:
            return self.by_key.get(("department", demand.unit_department_id), [])
        if demand.unit_grid_id is not None:
            return self.by_key.get(("grid", demand.unit_grid_id), [])
        if demand.unit_deputy_id is not None:
            return self.by_key.get(("deputy", demand.unit_deputy_id), [])
        return []

    def dispatchers_for(self, demand) -> list:
        users = list(self.by_key.get((Role.DISPATCHER, None), []))
        if demand.township_id is not None and not demand.at_district_centre:
            users += self.by_key.get((Role.DISPATCHER, demand.township_id), [])
        return users

    def supervisors_for(self, demand) -> list:
        users = list(self.by_key.get((Role.SUPERVISOR, None), []))
        if demand.township_id is not None:
            users += self.by_key.get((Role.SUPERVISOR, demand.township_id), [])
        return users
