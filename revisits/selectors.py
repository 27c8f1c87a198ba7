"""Reading call-back tasks for a viewer: the centre's list, one task, and the workbench's count."""

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from accounts.models import Role
from core.errors import NotFound
from core.validators import valid_pk

from .models import RevisitTask
from .permissions import can_view_task, may_view_revisits
from .states import Status

NOTHING = Q(pk__in=[])


def centre_q(viewer) -> Q:
    """The tasks of the viewer's centre: a township dispatcher's township (less what went to the district centre),
    the district's everything; a supervisor's scope."""
    if not may_view_revisits(viewer):
        return NOTHING
    if viewer.is_superuser or viewer.township_id is None:
        return Q()  # as demands.selectors.scope_q: the district's centre and supervisors see the whole district
    if viewer.role == Role.DISPATCHER:
        return Q(demand__township_id=viewer.township_id, demand__at_district_centre=False)
    return Q(demand__township_id=viewer.township_id)


def revisit_list(*, viewer) -> QuerySet:
    """Open tasks first, the oldest first (they have waited longest); then the closed ones, latest first."""
    return (RevisitTask.objects.filter(centre_q(viewer))
            # The category's parent too: a sub-category prints as "parent / name" on every card.
            .select_related("demand", "demand__township", "demand__category__parent")
            .annotate(closed_rank=Case(When(status=Status.OPEN, then=Value(0)), default=Value(1),
                                       output_field=IntegerField()))
            .order_by("closed_rank", F("closed_at").desc(nulls_first=True), "created_at", "id"))


def revisit_open_count(*, viewer) -> int:
    if not may_view_revisits(viewer):
        return 0
    return RevisitTask.objects.filter(centre_q(viewer), status=Status.OPEN).count()


def revisit_get_for(*, viewer, pk) -> RevisitTask:
    """One task the viewer may see; anything else, existing or not, is the same 404."""
    missing = NotFound(_("No such call-back task."))
    if not valid_pk(pk):
        raise missing
    task = (RevisitTask.objects.select_related("demand", "demand__township", "demand__category",
                                               "demand__unit_grid", "demand__unit_department", "demand__unit_deputy")
            .filter(pk=pk).first())
    if task is None or not can_view_task(viewer, task):
        raise missing
    return task
