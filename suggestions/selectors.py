"""Reading suggestions: who sees which, the demands a deputy may cite, and the class-B tracking list."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role
from demands.models import Demand
from core.actors import is_staff_user
from demands.selectors import scope_q as demand_scope_q
from core.validators import valid_pk
from demands.selectors import public_no_q
from core.errors import NotFound

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


def demand_id_by_number(text: str) -> int | None:
    """The id a public number (BZ-2026-004213) names, or None when the text cannot be one. It says nothing about
    whether the demand exists: 0 stands for "none", and the services give one answer for missing and not-citable."""
    q = public_no_q(text)
    if q is None:
        return None
    return Demand.objects.filter(q).values_list("pk", flat=True).first() or 0


def demand_ids_by_numbers(texts) -> tuple[list[int], list[str]]:
    """(the ids these public numbers name, once each, 0 for none; the texts that cannot be a number)."""
    ids, malformed = [], []
    for text in texts:
        pk = demand_id_by_number(text)
        if pk is None:
            malformed.append(text[:40])
        elif pk not in ids:
            ids.append(pk)
    return ids, malformed


def linked_demands(suggestion) -> QuerySet:
    """Evidence as the suggestion pages show it: tracking code, category, date and content, never a name or phone."""
    return suggestion.demands.select_related("category__parent").only(
        "id", "category", "content", "created_at", "township").order_by("created_at", "id")


def tracked_into(*, viewer, year: int) -> QuerySet:
    """Class-B suggestions of earlier years still tracked in `year`: no follow-up of an earlier year resolved them.

    A suggestion resolved by a follow-up of `year` itself is still listed in that year (with its resolution).
    """
    resolved_before = FollowUp.objects.filter(suggestion=OuterRef("pk"), resolved=True, year__lt=year)
    qs = suggestions_visible_to(viewer).filter(
        year__lt=year, reply__reply_class=ReplyClass.B, status__in=[Status.REPLIED, Status.EVALUATED, Status.CLOSED],
    ).filter(~Exists(resolved_before))
    return _with_related(qs).prefetch_related("follow_ups").order_by("year", "seq")


def drafts_of(deputy, limit: int = 20) -> list:
    """The deputy's suggestions still in draft: evidence can be added to them only then."""
    return list(Suggestion.objects.filter(deputies=deputy, status=Status.DRAFT).order_by("-id")[:limit])
