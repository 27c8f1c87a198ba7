"""Reading suggestions: who sees which, the demands a deputy may cite, and the class-B tracking list."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role
from demands.codes import normalize_code
from demands.models import Demand
from demands.permissions import is_staff_user
from demands.selectors import scope_q as demand_scope_q
from demands.selectors import valid_pk
from portal.errors import NotFound

from .models import Assignment, FollowUp, ReplyClass, Suggestion, SuggestionProposer
from .states import Status

NOTHING = Q(pk__in=[])


def scope_q(user) -> Q:
    """Suggestions `user` may see; permissions.can_view is the same rule for one suggestion.

    Subqueries rather than joins, so a suggestion never appears twice in a list.
    """
    if not is_staff_user(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    submitted = ~Q(status=Status.DRAFT)
    if user.role == Role.DEPUTY:
        if user.deputy_id is None:
            return NOTHING
        return Q(pk__in=SuggestionProposer.objects.filter(deputy_id=user.deputy_id).values("suggestion_id"))
    if user.role == Role.SUPERVISOR:
        if user.township_id is None:
            return submitted
        led_here = SuggestionProposer.objects.filter(is_lead=True, deputy__township_id=user.township_id)
        return submitted & Q(pk__in=led_here.values("suggestion_id"))
    if user.role == Role.HANDLER:
        if user.department_id is None:
            return NOTHING
        co = Assignment.co_departments.through.objects.filter(department_id=user.department_id)
        return submitted & (Q(assignment__lead_department_id=user.department_id)
                            | Q(pk__in=co.values("assignment__suggestion_id")))
    return NOTHING


def suggestions_visible_to(user) -> QuerySet:
    return Suggestion.objects.filter(scope_q(user))


def _with_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("category__parent", "assignment__lead_department", "reply__department").prefetch_related(
        Prefetch("proposers", queryset=SuggestionProposer.objects.select_related("deputy__township")),
        "assignment__co_departments",
    )


def suggestion_list(*, viewer, year=None, status=None, department=None) -> QuerySet:
    qs = suggestions_visible_to(viewer)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(assignment__lead_department_id=department)
    return _with_related(qs)


def suggestion_get_for(*, viewer, pk) -> Suggestion:
    """One suggestion the viewer may see; anything else, existing or not, is the same 404."""
    if not valid_pk(pk):
        raise NotFound(_("No such suggestion."))
    try:
        return _with_related(suggestions_visible_to(viewer)).get(pk=pk)
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such suggestion.")) from None


def citable_demands(user) -> QuerySet:
    """Demands a deputy may cite as evidence: those in their own township, and those they handle or follow."""
    if not is_staff_user(user) or user.role != Role.DEPUTY or user.deputy_id is None:
        return Demand.objects.none()
    return Demand.objects.filter(demand_scope_q(user) | Q(township_id=user.deputy.township_id))


def demand_ids_by_code(codes) -> tuple[list[int], list[str]]:
    """(ids of the demands with these tracking codes, in order and once each; the codes matching none), in one query.
    Any existing demand: the services decide which ones a deputy may cite."""
    normalized = [(raw, normalize_code(raw)) for raw in codes]
    found = dict(Demand.objects.filter(tracking_code__in={c for _raw, c in normalized if c})
                 .values_list("tracking_code", "pk"))
    ids, unknown = [], []
    for raw, code in normalized:
        pk = found.get(code)
        if pk is None:
            unknown.append(raw[:40])
        elif pk not in ids:
            ids.append(pk)
    return ids, unknown


def linked_demands(suggestion) -> QuerySet:
    """Evidence as the suggestion pages show it: tracking code, category, date and content, never a name or phone."""
    return suggestion.demands.select_related("category__parent").only(
        "id", "tracking_code", "category", "content", "created_at", "township").order_by("created_at", "id")


def tracked_into(*, viewer, year: int) -> QuerySet:
    """Class-B suggestions of earlier years still tracked in `year`: no follow-up of an earlier year resolved them.

    A suggestion resolved by a follow-up of `year` itself is still listed in that year (with its resolution).
    """
    resolved_before = FollowUp.objects.filter(suggestion=OuterRef("pk"), resolved=True, year__lt=year)
    qs = suggestions_visible_to(viewer).filter(
        year__lt=year, reply__reply_class=ReplyClass.B, status__in=[Status.REPLIED, Status.EVALUATED, Status.CLOSED],
    ).filter(~Exists(resolved_before))
    return _with_related(qs).prefetch_related("follow_ups").order_by("year", "seq")
