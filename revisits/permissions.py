"""Who may see and work the call-back list: the centre's dispatchers call; supervisors look on."""

from django.utils.translation import gettext as _

from accounts.models import Role
from core.actors import is_staff_user
from demands.permissions import can_view, held_by_addressed_deputy, is_dispatcher_for

from .states import Action


def may_view_revisits(user) -> bool:
    """The list and the figures: dispatchers and supervisors (a township's or the district's) and superusers."""
    return is_staff_user(user) and (user.is_superuser or user.role in (Role.DISPATCHER, Role.SUPERVISOR))


def can_view_task(user, task) -> bool:
    return may_view_revisits(user) and can_view(user, task.demand)


def is_caller(user, task) -> bool:
    """The centre that answers for the demand calls back: its township's dispatchers, or the district's (and only
    the district's once the demand went to the district centre, 首办负责制)."""
    return is_dispatcher_for(user, task.demand)


def centre_may_call(task) -> bool:
    """A number to call, and the centre may read it: while the deputy a resident wrote to holds the demand, that
    deputy alone has the number (docs/threat-model.md#personal-data)."""
    return bool(task.demand.contact_phone) and not held_by_addressed_deputy(task.demand)


def why_not_callable(task) -> str | None:
    if not task.demand.contact_phone:
        return _("The resident left no phone number, so there is no one to call. Close the task as not callable.")
    if held_by_addressed_deputy(task.demand):
        return _("The deputy this resident wrote to holds the demand and the number; the centre does not call. "
                 "Close the task as not callable.")
    return None


CAN = {
    Action.REVEAL: is_caller,
    Action.REACH: is_caller,
    Action.MISS: is_caller,
    Action.CLOSE_UNCALLABLE: is_caller,
}
