"""Reading demands: what each viewer may see, and what waits for them."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.errors import NotFound
from core.validators import valid_pk
from grids.models import Community, Grid, MicroGrid, Township

from .codes import normalize_code, parse_public_number
from core.models import Department
from .models import Category, CoHandling, Demand, Deputy, SupervisionOrder
from core.actors import is_staff_user
from .permissions import integration_township_ids
from .states import OPEN_STATES, Status

NOTHING = Q(pk__in=[])


def scope_q(user) -> Q:
    """Demands `user` may see at all; permissions.can_view is the same rule for one demand."""
    if not is_staff_user(user):
        return NOTHING
    if user.is_superuser:
        return Q()
    if user.role in (Role.DISPATCHER, Role.SUPERVISOR):
        return Q() if user.township_id is None else Q(township_id=user.township_id)
    # Grid workers and deputies also follow what they reported themselves (巡查上报, 代表网格通), wherever it went.
    own = Q(submitted_by_id=user.pk)
    if user.role == Role.GRID_WORKER:
        return Q(unit_grid_id=user.grid_id) | Q(grid_id=user.grid_id) | own if user.grid_id else own
    if user.role == Role.MICRO_GRID_LEADER:
        # Located in their micro-grid, whoever holds it; not the rest of the grid, nor what the grid holds elsewhere.
        return Q(micro_grid_id=user.micro_grid_id) | own if user.micro_grid_id else own
    if user.role == Role.HANDLER:
        if not user.department_id:
            return NOTHING
        # The demands the department holds, and those it co-handles (协办).
        return Q(unit_department_id=user.department_id) | cohandled_q(user.department_id)
    if user.role == Role.DEPUTY:
        deputy = user.deputy_id
        return Q(unit_deputy_id=deputy) | Q(addressed_deputy_id=deputy) | own if deputy else own
    if user.role == Role.INTEGRATION:
        townships = integration_township_ids(user)
        return Q() if townships is None else Q(township_id__in=townships) | Q(submitted_by_id=user.pk)
    return Q(submitted_by_id=user.pk)


def waiting_q(user) -> Q:
    """Demands on which `user` is the next to act."""
    if not is_staff_user(user):
        return NOTHING
    if user.role == Role.DISPATCHER:
        waiting = Q(status__in=[Status.RECEIVED, Status.CLASSIFIED]) | Q(
            status=Status.ACCEPTED, extension_requested_days__isnull=False)
        if user.township_id is not None:
            # What the district centre took over after three returns is no longer the township's.
            return waiting & Q(township_id=user.township_id, at_district_centre=False)
        return waiting
    if user.role == Role.SUPERVISOR:
        open_orders = SupervisionOrder.objects.filter(answered_at__isnull=True).values("demand_id")
        recent = timezone.now() - dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
        return Q(status=Status.RESOLVED) | Q(status=Status.CLOSED, flagged=True, closed_at__gte=recent) | Q(
            pk__in=open_orders)
    if user.role in (Role.HANDLER, Role.GRID_WORKER, Role.DEPUTY):
        unit = {Role.HANDLER: "unit_department_id", Role.GRID_WORKER: "unit_grid_id", Role.DEPUTY: "unit_deputy_id"}
        key = {Role.HANDLER: user.department_id, Role.GRID_WORKER: user.grid_id, Role.DEPUTY: user.deputy_id}
        waiting = Q(**{unit[user.role]: key[user.role]}) & Q(status__in=[Status.DISPATCHED, Status.ACCEPTED])
        if user.role == Role.HANDLER and user.department_id:
            # A co-handling department waits to give its opinion while the lead holds the demand.
            waiting |= cohandled_q(user.department_id, pending_only=True) & Q(
                status__in=[Status.DISPATCHED, Status.ACCEPTED])
        return waiting
    if user.role == Role.MICRO_GRID_LEADER:
        # They act on nothing: what they follow is what is still open, in their micro-grid or reported by them.
        return scope_q(user) & Q(status__in=list(OPEN_STATES))
    return Q(submitted_by_id=user.pk, status=Status.VERIFIED)


def cohandled_q(department_id, *, pending_only: bool = False) -> Q:
    """Demands the department co-handles (协办), as a subquery: a join would repeat a demand in a list."""
    rows = CoHandling.objects.filter(department_id=department_id)
    rows = rows.filter(state=CoHandling.State.PENDING) if pending_only else rows.exclude(
        state=CoHandling.State.WITHDRAWN)
    return Q(pk__in=rows.values("demand_id"))


def demands_visible_to(user) -> QuerySet:
    return Demand.objects.filter(scope_q(user))




def demand_get_for(*, viewer, pk) -> Demand:
    """One demand the viewer may see; anything else, existing or not, is the same 404."""
    if not valid_pk(pk):
        raise NotFound(_("No such demand."))
    try:
        return (
            demands_visible_to(viewer)
            .select_related("category__parent", "suggested_category__parent", "township", "community", "grid",
                            "micro_grid", "unit_grid", "unit_department", "unit_deputy", "merged_into")
            .get(pk=pk)
        )
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such demand.")) from None


def public_no_q(text: str) -> Q | None:
    """The filter for one public number (BZ-2026-004213), or None when the text cannot be one."""
    parsed = parse_public_number(text)
    if parsed is None:
        return None
    year, pk = parsed
    return Q(pk=pk, created_at__year=year)


def demand_get_by_public_no(*, viewer, text: str) -> Demand:
    """One demand the viewer may see, by its public number; anything else is the same 404."""
    q = public_no_q(text)
    found = demands_visible_to(viewer).filter(q).first() if q is not None else None
    if found is None:
        raise NotFound(_("No such demand."))
    return found


def demand_get_by_code(code: str) -> Demand:
    normalized = normalize_code(code)
    if normalized is None:
        raise NotFound(_("No demand has this tracking code. Please check it and try again."))
    try:
        return Demand.objects.select_related("merged_into", "unit_grid", "unit_department", "unit_deputy").get(
            tracking_code=normalized)
    except Demand.DoesNotExist:
        raise NotFound(_("No demand has this tracking code. Please check it and try again.")) from None


def demand_get_by_rating_token(token: str) -> Demand:
    if not token or len(token) < 20:
        raise NotFound(_("This rating link is not valid or was already used."))
    try:
        return Demand.objects.get(rating_token=token, status=Status.VERIFIED)
    except Demand.DoesNotExist:
        raise NotFound(_("This rating link is not valid or was already used.")) from None


def demand_list(*, viewer, waiting_only: bool = False, related: bool = True) -> QuerySet:
    """The demands a list shows. `related=False` leaves the small tables out of the query (the API names them from
    demand_page_lookups): seven joins cost PostgreSQL more to plan than the page costs to read."""
    qs = demands_visible_to(viewer)
    if waiting_only:
        qs = qs.filter(waiting_q(viewer))
        if is_staff_user(viewer) and viewer.role == Role.SUPERVISOR:
            # Resolved with a doubtful reply (demands.quality) first: those are the checks that matter.
            doubtful = ExpressionWrapper(Q(status=Status.RESOLVED) & ~Q(reply_flags=[]), output_field=BooleanField())
            qs = qs.annotate(doubtful_reply=doubtful).order_by("-doubtful_reply", *Demand._meta.ordering)
    if not related:
        return qs
    return qs.select_related("category__parent", "township", "grid", "unit_grid", "unit_department", "unit_deputy")


@dataclass(frozen=True)
class PageLookups:
    """What a page of demands shows of the small tables it refers to: codes by primary key, and the units (grids,
    departments, deputies) as model instances with the fields their names need."""

    categories: dict
    townships: dict
    communities: dict
    grids: dict
    micro_grids: dict
    departments: dict
    deputies: dict


# PageLookups' sources: model, the demand columns pointing at it, the one or two fields read, and whether the page
# needs instances (str() of a unit) or only the first field (a code).
PAGE_LOOKUPS = {
    "categories": (Category, ("category_id",), ("code",), False),
    "townships": (Township, ("township_id",), ("code",), False),
    "communities": (Community, ("community_id",), ("code",), False),
    "grids": (Grid, ("grid_id", "unit_grid_id"), ("code", "name"), True),
    "micro_grids": (MicroGrid, ("micro_grid_id",), ("code",), False),
    "departments": (Department, ("unit_department_id",), ("name", "short_name"), True),
    "deputies": (Deputy, ("unit_deputy_id",), ("name", "level"), True),
}


def demand_page_lookups(demands) -> PageLookups:
    """Read for each page, so a renamed row shows as it is now: one query of primary-key lookups in seven small
    tables, written out because the ORM took longer to compile the union than the page took to read."""
    quote = connection.ops.quote_name
    selects, params, read = [], [], {}
    for kind, (model, columns, wanted, _instances) in PAGE_LOOKUPS.items():
        # int(): the ids are the demands' own columns, written into the statement as numbers.
        ids = sorted({int(pk) for d in demands for column in columns if (pk := getattr(d, column)) is not None})
        if not ids:
            continue
        read[kind] = [f for f in model._meta.concrete_fields if f.name in wanted]  # the order from_db expects
        columns_read = [quote(f.column) for f in read[kind]] + ["''"] * (2 - len(read[kind]))
        key = quote(model._meta.pk.column)
        # Names come from the models' own metadata, quoted; the kind and the ids travel as parameters.
        selects.append(f"SELECT %s, {key}, {', '.join(columns_read)} FROM {quote(model._meta.db_table)} "  # nosec B608
                       f"WHERE {key} IN ({', '.join(['%s'] * len(ids))})")
        params += [kind, *ids]
    found = {kind: {} for kind in PAGE_LOOKUPS}
    if selects:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        for kind, pk, *values in rows:
            model, _columns, _wanted, instances = PAGE_LOOKUPS[kind]
            if instances:
                names = [model._meta.pk.attname, *(f.attname for f in read[kind])]
                found[kind][pk] = model.from_db(connection.alias, names, [pk, *values][:len(names)])
            else:
                found[kind][pk] = values[0]
    return PageLookups(**found)


def public_events(demand):
    """The timeline a resident sees: public steps only, of the merged-into demand too."""
    events = list(demand.events.filter(public=True).order_by("created_at", "id"))
    if demand.merged_into_id:
        events += list(demand.merged_into.events.filter(public=True).exclude(action="receive"))
    return events


def open_supervision_orders(*, viewer) -> QuerySet:
    """Unanswered supervision orders for the viewer's workbench: for a unit, those it must answer (a grid worker
    also sees demands of the grid held by a department, but that department answers their orders, as
    permissions.is_unit_member says); for a supervisor, those in their scope still awaiting an answer."""
    if not is_staff_user(viewer):
        return SupervisionOrder.objects.none()
    open_orders = SupervisionOrder.objects.filter(answered_at__isnull=True).select_related("demand")
    if viewer.role == Role.SUPERVISOR or viewer.is_superuser:
        return open_orders.filter(demand__in=demands_visible_to(viewer))
    held_by = {Role.HANDLER: ("unit_department_id", viewer.department_id),
               Role.GRID_WORKER: ("unit_grid_id", viewer.grid_id),
               Role.DEPUTY: ("unit_deputy_id", viewer.deputy_id)}
    field, unit = held_by.get(viewer.role, (None, None))
    if unit is None:
        return SupervisionOrder.objects.none()  # dispatchers and others answer no orders
    return open_orders.filter(**{f"demand__{field}": unit})
