"""Every change to a demand: one function per action, each one transaction with the row locked."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.workflow import Lifecycle
from grids.locate import locate
from grids.models import Grid
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed

from . import signals, sla, uploads
from .codes import new_tracking_code
from .models import (
    Category, Channel, Demand, DemandAttachment, DemandEvent, DemandType, Outcome, Rating, SupervisionOrder, Urgency,
)
from core.actors import ResidentActor, SYSTEM, is_staff_user
from .permissions import CAN, can_view, cohandling_states, in_scope, is_reporting_grid_worker
from .quality import reply_flags_for
from .states import OPEN_STATES, TRANSITIONS, Action, Status


# The 24-hour promise for consultations (docs/figures.md): answered within this long of receipt.
ANSWER_WITHIN = dt.timedelta(hours=24)
# A resident may chase an overdue demand once a day: each chase is told to people, not to a queue.
CHASE_INTERVAL = dt.timedelta(hours=24)


def _closed_too_long_ago(demand) -> bool:
    limit = timezone.now() - dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
    return demand.status == Status.CLOSED and (demand.closed_at is None or demand.closed_at < limit)


def _extension_request_guard(actor, demand):
    if demand.extension_used:
        return _("The deadline of this dispatch was already extended once.")
    if demand.extension_requested_days:
        return _("An extension request is already waiting for approval.")
    return None


def _chase_guard(actor, demand):
    now = timezone.now()
    if demand.resolve_deadline is None or demand.resolve_deadline > now:
        return _("The handling deadline has not passed yet; you can chase it after %(deadline)s.") % {
            "deadline": timezone.localtime(demand.resolve_deadline).strftime("%Y-%m-%d %H:%M")
            if demand.resolve_deadline else "—"}
    if demand.events.filter(action=Action.CHASE, created_at__gt=now - CHASE_INTERVAL).exists():
        return _("You chased this demand less than a day ago; the unit has been told.")
    return None


def _extension_pending_guard(actor, demand):
    return None if demand.extension_requested_days else _("No extension request is waiting for approval.")


def _reopen_guard(actor, demand):
    if _closed_too_long_ago(demand):
        return _("Closed more than %(days)s days ago; it can no longer be reopened.") % {
            "days": settings.REOPEN_WINDOW_DAYS}
    return None


def _actor_kind(actor) -> dict:
    if actor is SYSTEM:
        return {"actor_kind": DemandEvent.ActorKind.SYSTEM}
    if isinstance(actor, ResidentActor) or not is_staff_user(actor):
        return {"actor_kind": DemandEvent.ActorKind.RESIDENT}
    return {"actor_kind": DemandEvent.ActorKind.USER}


def _announce(event, demand) -> None:
    # The demand as committed rides along, so that intake's listeners need not read it back (bench/intake.py).
    signals.demand_event_committed.send(sender=Demand, event_id=event.pk, action=event.action,
                                        submitted_by_id=demand.submitted_by_id, channel=demand.channel,
                                        demand=demand)


DEMANDS = Lifecycle(
    model=Demand,
    transitions=TRANSITIONS,
    can=CAN,
    can_view=in_scope,
    # Conditions beyond the state table, answered with a message (409) when unmet.
    guards={
        Action.CHASE: _chase_guard,
        Action.REQUEST_EXTENSION: _extension_request_guard,
        Action.EXTEND: _extension_pending_guard,
        Action.DENY_EXTENSION: _extension_pending_guard,
        Action.REOPEN: _reopen_guard,
    },
    refused=gettext_lazy("“%(action)s” is not possible while the demand is “%(status)s”."),
    # What the resident reads instead of the state names.
    state_refusals={
        Action.WITHDRAW: gettext_lazy("A unit has started handling it or it has ended, so it can no longer be "
                                      "withdrawn. You can still add information for the unit."),
    },
    missing=gettext_lazy("No such demand."),
    status_label=lambda status: Status(status).label,
    action_label=lambda action: Action(action).label,
    event_model=DemandEvent,
    event_fields=_actor_kind,
    on_event=_announce,
)


# ---------------------------------------------------------------- joint handling: guards (services below)

# A few departments at most: each is told and each opinion waits on the lead's desk.
MAX_COHANDLERS = 5


def _add_cohandler_guard(actor, demand):
    if len(cohandling_states(demand)) >= MAX_COHANDLERS:
        return _("At most %(n)s departments can co-handle one demand.") % {"n": MAX_COHANDLERS}
    return None


def _cohandler_opinion_guard(actor, demand):
    from .models import CoHandling

    if cohandling_states(demand).get(getattr(actor, "department_id", None)) != CoHandling.State.PENDING:
        return _("Your department has already given its opinion on this demand.")
    return None


def _remove_cohandler_guard(actor, demand):
    from .models import CoHandling

    if CoHandling.State.PENDING not in cohandling_states(demand).values():
        return _("No co-handling department is still waiting to give its opinion.")
    return None


DEMANDS.guards.update({
    Action.ADD_COHANDLER: _add_cohandler_guard,
    Action.COHANDLER_OPINION: _cohandler_opinion_guard,
    Action.REMOVE_COHANDLER: _remove_cohandler_guard,
})


def refusal(actor, demand, action) -> str | None:
    """Why `actor` cannot take `action` on `demand` now, or None if they can."""
    return DEMANDS.refusal(actor, demand, action)


def available_actions(actor, demand) -> list[str]:
    return DEMANDS.available_actions(actor, demand)


def _require_text(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(field_errors={field: [message]})
    return value


def _unit_fields(unit) -> dict:
    from core.models import Department
    from .models import Deputy

    fields = {"unit_grid": None, "unit_department": None, "unit_deputy": None}
    if isinstance(unit, Grid):
        fields["unit_grid"] = unit
    elif isinstance(unit, Department) and unit.is_active:
        fields["unit_department"] = unit
    elif isinstance(unit, Deputy) and unit.is_active:
        fields["unit_deputy"] = unit
    else:
        raise InvalidInput(field_errors={"unit": [_("Choose the unit that will handle the demand.")]})
    return fields


def _unit_data(unit) -> dict:
    return {"unit": str(unit), "unit_kind": type(unit).__name__.lower(), "unit_id": unit.pk}


# What every dispatch starts afresh: acceptance, escalation levels and the one extension. A new dispatch sets
# them with new deadlines; a return or a forward clears them with the unit.
_PER_DISPATCH = {
    "accepted_by": None, "accepted_at": None, "escalation_level": 0, "accept_reminded": False,
    "extension_used": False, "extension_requested_days": None,
}
_CLOCK = ("dispatched_at", "accept_deadline", "resolve_deadline", "warn_at", "supervise_at")
_UNIT_CLEARED = {"unit_grid": None, "unit_department": None, "unit_deputy": None,
                 **dict.fromkeys(_CLOCK), **_PER_DISPATCH}


def _clock_fields(demand, start) -> dict:
    """A new dispatch: new deadlines, and every escalation level may apply once again."""
    accept_by, resolve_by = sla.deadlines_for(demand.type, demand.urgency, start)
    warn_at, supervise_at = sla.escalation_times(start, resolve_by)
    return {**_PER_DISPATCH, **dict(zip(_CLOCK, (start, accept_by, resolve_by, warn_at, supervise_at)))}


def _grid_worker_elsewhere(actor, demand, place) -> bool:
    """A grid worker classifying or dispatching their own patrol report names anything but their own grid."""
    return is_reporting_grid_worker(actor, demand) and not (isinstance(place, Grid) and place.pk == actor.grid_id)


# ---------------------------------------------------------------- intake


@uploads.photos_written_first
def demand_receive(
    *,
    actor,
    type: str,
    content: str,
    channel: str = "web",
    category: Category | None = None,
    township=None,
    community=None,
    grid=None,
    micro_grid=None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    is_public: bool = False,
    photos=(),
    lat=None,
    lng=None,
    external_id: str = "",
    urgency: str = Urgency.NORMAL,
    deputy=None,
    station=None,
    media_url: str = "",
    zipcode: str = "",
) -> Demand:
    """Take a demand in from any channel and give it a tracking code.

    `media_url` and `zipcode` are what an Open311 client posted (checked by open311.forms); the URL is kept as
    text and never fetched.

    A demand addressed to a deputy, or to a station (whose convener takes it), goes straight to that deputy.
    """
    errors = {}
    if micro_grid is not None and grid is None:
        grid = micro_grid.grid  # a micro-grid names its grid, as a grid names its community
    if township is None and community is None and grid is None:
        # A point and no place (the API, the map's pin on the pages): placed in the grid the point lies in.
        grid = _grid_of_point(lat, lng)
    if station is not None and deputy is None:
        deputy = station.convener
    if deputy is not None and not deputy.is_active:
        errors["deputy"] = [_("This deputy no longer takes demands here.")]
    if deputy is not None and township is None and grid is None and community is None:
        township = deputy.township
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency.")]
    content = (content or "").strip()
    if not content:
        errors["content"] = [_("Please describe your demand.")]
    if type not in DemandType.values:
        errors["type"] = [_("Choose a type of demand.")]
    if grid is not None:
        community = community or grid.community
        township = township or grid.township
        if grid.community_id != community.pk:
            errors["grid"] = [_("The grid does not belong to the chosen village or community.")]
    if micro_grid is not None and micro_grid.grid_id != grid.pk:
        errors["micro_grid"] = [_("The micro-grid does not belong to the chosen grid.")]
    if community is not None:
        township = township or community.township
        if community.township_id != township.pk:
            errors["community"] = [_("The village or community does not belong to the chosen township.")]
    if len(photos) > settings.MAX_PHOTOS:
        errors["photos"] = [_("At most %(n)s photos.") % {"n": settings.MAX_PHOTOS}]
    if errors:
        raise InvalidInput(field_errors=errors)
    checked = [uploads.check_photo(f) for f in photos]
    from . import routing  # imports the services back

    # The classifier runs once, outside the transaction: no row is locked while it thinks.
    suggestion = routing.intake_suggestion(content)

    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                demand = Demand.objects.create(
                    tracking_code=new_tracking_code(),
                    channel=channel,
                    type=type,
                    category=category,
                    urgency=urgency,
                    content=content,
                    address=(address or "").strip(),
                    lat=lat,
                    lng=lng,
                    township=township,
                    community=community,
                    grid=grid,
                    micro_grid=micro_grid,
                    contact_name=(contact_name or "").strip(),
                    contact_phone=(contact_phone or "").strip(),
                    is_public=is_public,
                    submitted_by=actor if is_staff_user(actor) else None,
                    external_id=external_id,
                    station=station,
                    media_url=media_url,
                    zipcode=zipcode,
                    status=Status.RECEIVED,
                    **routing.suggestion_fields(suggestion),
                    created_at=now,
                    updated_at=now,
                )
                event = DEMANDS.record(demand, actor=actor, action=Action.RECEIVE, from_status="", at=now,
                                data={"channel": channel})
                for photo in checked:
                    uploads.attach_photo(demand, photo, purpose=DemandAttachment.Purpose.SUBMISSION, event=event)
                if deputy is not None:
                    _route_to_deputy(demand, deputy)
                else:
                    routing.auto_route(demand, suggestion)  # confident and routable: classified and dispatched now
                return demand
        except IntegrityError:
            # A duplicate external id is the caller's to resolve; a tracking-code collision (astronomically rare)
            # is retried with a new code.
            submitter = actor if is_staff_user(actor) else None
            if _attempt == 4 or (external_id and Demand.objects.filter(
                    submitted_by=submitter, external_id=external_id).exists()):
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def demand_route(*, demand_id, deputy, actor=SYSTEM) -> Demand:
    """Deliver a received demand to the deputy it is addressed to (the routing rule of 代表码上见)."""
    demand = DEMANDS.lock(demand_id)
    _route_to_deputy(demand, deputy, actor=actor)
    return demand


def _route_to_deputy(demand, deputy, *, actor=SYSTEM) -> None:
    # The addressed deputy holds the demand, on the SLA clock, and nobody else.
    DEMANDS.check(actor, demand, Action.ROUTE)
    if not deputy.is_active:
        raise InvalidInput(field_errors={"deputy": [_("This deputy no longer takes demands here.")]})
    changes = {**_unit_fields(deputy), **_clock_fields(demand, timezone.now()), "addressed_deputy": deputy}
    DEMANDS.apply(demand, actor=actor, action=Action.ROUTE, changes=changes, data=_unit_data(deputy))


# The channels an account types demands in on, its default first: what a dispatcher takes by phone or at the counter
# (代录), a grid worker on patrol (巡查上报), a deputy in the field (代表网格通), an integration from its hotline.
# Residents come in through /submit/; any other account posting to the API is an API submission.
RECORDING_CHANNELS = {
    Role.DISPATCHER: (Channel.PHONE, Channel.WALK_IN),
    Role.GRID_WORKER: (Channel.PATROL,),
    Role.MICRO_GRID_LEADER: (Channel.PATROL,),
    Role.DEPUTY: (Channel.DEPUTY,),
    Role.INTEGRATION: (Channel.API, Channel.HOTLINE),
}


def recording_channels(actor) -> tuple[str, ...]:
    if not is_staff_user(actor):
        return (Channel.API,)
    return RECORDING_CHANNELS.get(actor.role, (Channel.API,))


def _checked_channel(actor, channel: str | None) -> str:
    allowed = recording_channels(actor)
    if not channel:
        return allowed[0]
    if channel not in allowed:
        raise InvalidInput(field_errors={"channel": [
            _("Your account records demands on these channels only: %(channels)s.")
            % {"channels": "、".join(str(Channel(c).label) for c in allowed)}]})
    return channel


def demand_intake(*, actor, external_id: str = "", channel: str | None = None, **fields) -> tuple[Demand, bool]:
    """Intake from a client system, idempotent on (client, external id): a repeat returns the first demand.

    Returns (demand, created). Anonymous clients can claim neither a channel nor an external id; an account claims
    only its own channels (RECORDING_CHANNELS), by default the first.
    """
    client = actor if is_staff_user(actor) else None
    if client is None:
        external_id, channel = "", Channel.API
    channel = _checked_channel(actor, channel)
    _own_micro_grid(actor, fields)
    try:
        # No look-up first: the unique constraint decides, so a new demand costs no extra query.
        return demand_receive(actor=actor, external_id=external_id, channel=channel, **fields), True
    except IntegrityError:
        existing = Demand.objects.filter(submitted_by=client, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing, False


def _own_micro_grid(actor, fields: dict) -> None:
    """A micro-grid leader reports only in their own micro-grid (and so their own grid): by default there, and a
    place elsewhere is refused rather than quietly moved."""
    if not is_staff_user(actor) or actor.role != Role.MICRO_GRID_LEADER:
        return
    if actor.micro_grid_id is None:
        raise NotPermitted(_("Your account has no micro-grid to report in."))
    micro_grid = fields.get("micro_grid") or actor.micro_grid
    grid = fields.get("grid") or micro_grid.grid
    if micro_grid.pk != actor.micro_grid_id or grid.pk != actor.micro_grid.grid_id:
        raise InvalidInput(field_errors={"micro_grid": [_("You report only in your own micro-grid.")]})
    fields["micro_grid"], fields["grid"] = micro_grid, grid


def _grid_of_point(lat, lng) -> Grid | None:
    """A demand with coordinates and no place is placed as the Open311 intake places it: in the grid the point lies
    in (else the nearest, inside the district); outside the district it keeps its coordinates for a dispatcher."""
    if lat is None or lng is None:
        return None
    grid, _how = locate(float(lat), float(lng))
    return grid


@transaction.atomic
def demand_record(*, actor, channel: str | None = None, route: dict | None = None, solved: dict | None = None,
                  **fields) -> Demand:
    """代录 and 巡查上报: staff type in a demand they took by phone, at the counter, on patrol or as a deputy.

    `route` (type, category, urgency, grid, unit) has the dispatcher classify and dispatch it in the same step.
    `solved` (type, category, urgency, outcome, reply, photos) has a grid worker report it solved on the spot
    (就地办结): classified into their own grid, dispatched to it, accepted and resolved by them at once, each step
    through the lifecycle with its own event, so it counts in 就地化解率 like any demand a grid solved. Either all of
    it happens or nothing does.
    """
    if not is_staff_user(actor) or actor.role not in RECORDING_CHANNELS or actor.role == Role.INTEGRATION:
        raise NotPermitted(_("Your account cannot record demands for others."))
    channel = _checked_channel(actor, channel)
    if solved is not None and actor.role != Role.GRID_WORKER:
        raise NotPermitted(_("Only a grid worker reports a demand solved on the spot."))
    if route is not None and actor.role != Role.DISPATCHER:
        raise NotPermitted(_("Only a dispatcher dispatches a demand."))
    if actor.role == Role.GRID_WORKER:
        fields.setdefault("grid", actor.grid)  # a patrol report is in the reporter's own grid
    _own_micro_grid(actor, fields)
    demand = demand_receive(actor=actor, channel=channel, **fields)
    if route is not None:
        demand = demand_classify_and_dispatch(demand_id=demand.pk, actor=actor, **route)
    elif solved is not None:
        own = actor.grid
        demand_classify(demand_id=demand.pk, actor=actor, type=solved["type"], category=solved.get("category"),
                        urgency=solved.get("urgency") or Urgency.NORMAL, grid=own)
        demand_dispatch(demand_id=demand.pk, actor=actor, unit=own, note=_("Solved on the spot during a patrol."))
        demand_accept(demand_id=demand.pk, actor=actor)
        demand = demand_resolve(demand_id=demand.pk, actor=actor, outcome=solved.get("outcome") or Outcome.SOLVED,
                                reply=solved.get("reply", ""), photos=solved.get("photos", ()))
    return demand


# ---------------------------------------------------------------- dispatcher actions


@transaction.atomic
def demand_classify(*, demand_id, actor, type: str, category: Category, urgency: str, grid: Grid, note="") -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.CLASSIFY)
    errors = {}
    if type not in DemandType.values:
        errors["type"] = [_("Choose a type of demand.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency.")]
    if category is None or not category.is_active:
        errors["category"] = [_("Choose a category.")]
    if grid is None:
        errors["grid"] = [_("Choose the grid where the demand is located.")]
    elif getattr(actor, "township_id", None) and grid.township_id != actor.township_id:
        errors["grid"] = [_("The grid is outside your township.")]
    elif _grid_worker_elsewhere(actor, demand, grid):
        errors["grid"] = [_("You can take only your own grid's demands on the spot.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    changes = {"type": type, "category": category, "urgency": urgency, "grid": grid,
               "community": grid.community, "township": grid.township}
    if demand.micro_grid_id is not None and demand.micro_grid.grid_id != grid.pk:
        changes["micro_grid"] = None  # placed in another grid: the micro-grid of the old one no longer holds
    DEMANDS.apply(demand, actor=actor, action=Action.CLASSIFY, changes=changes, note=note,
                data={"type": type, "category": category.code, "urgency": urgency, "grid": grid.code})
    return demand


@transaction.atomic
def demand_reject(*, demand_id, actor, reason: str) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.REJECT)
    reason = _require_text(reason, "reason", _("Give the reason the resident will read."))
    DEMANDS.apply(demand, actor=actor, action=Action.REJECT, changes={"closed_at": timezone.now()}, note=reason)
    return demand


@transaction.atomic
def demand_merge(*, demand_id, actor, into: Demand | None, note="") -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.MERGE)
    if into is None or into.pk == demand.pk or not can_view(actor, into):
        raise InvalidInput(field_errors={"into": [_("Enter the number of another demand you can see.")]})
    if into.status not in OPEN_STATES:
        raise InvalidInput(field_errors={"into": [_("A demand can only be merged into an open demand.")]})
    DEMANDS.apply(demand, actor=actor, action=Action.MERGE, changes={"merged_into": into, "closed_at": timezone.now()},
                note=note, data={"into": into.pk})
    return demand


@transaction.atomic
def demand_dispatch(*, demand_id, actor, unit, note="") -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.DISPATCH)
    if _grid_worker_elsewhere(actor, demand, unit):
        raise InvalidInput(field_errors={"unit": [_("You can take only your own grid's demands on the spot.")]})
    changes = {**_unit_fields(unit), **_clock_fields(demand, timezone.now())}
    DEMANDS.apply(demand, actor=actor, action=Action.DISPATCH, changes=changes, note=note, data=_unit_data(unit))
    return demand


@transaction.atomic
def demand_reassign(*, demand_id, actor, unit, note="") -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.REASSIGN)
    fields = _unit_fields(unit)
    if demand.unit == unit:
        raise InvalidInput(field_errors={"unit": [_("Choose a different unit.")]})
    changes = {**fields, **_clock_fields(demand, timezone.now())}
    DEMANDS.apply(demand, actor=actor, action=Action.REASSIGN, changes=changes, note=note, data=_unit_data(unit))
    return demand


# ---------------------------------------------------------------- unit actions


@transaction.atomic
def demand_accept(*, demand_id, actor) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.ACCEPT)
    DEMANDS.apply(demand, actor=actor, action=Action.ACCEPT, changes={"accepted_by": actor, "accepted_at": timezone.now()},
                data={"unit": str(demand.unit)})
    return demand




@transaction.atomic
def demand_return(*, demand_id, actor, reason: str) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.RETURN)
    reason = _require_text(reason, "reason", _("Say why the demand is not for your unit."))
    returns = demand.return_count + 1
    changes = {**_UNIT_CLEARED, "return_count": returns}
    if returns >= settings.RETURNS_BEFORE_DISTRICT:
        changes["at_district_centre"] = True
    DEMANDS.apply(demand, actor=actor, action=Action.RETURN, changes=changes, note=reason, public=False,
                data={"unit": str(demand.unit), "returns": returns, "to_district": changes.get("at_district_centre", False)})
    return demand


@transaction.atomic
def demand_forward(*, demand_id, actor, note: str = "") -> Demand:
    """A deputy hands an individual problem to the handling centre (转交) and keeps following it."""
    demand = DEMANDS.begin(demand_id, actor, Action.FORWARD)
    deputy = demand.unit_deputy
    changes = {**_UNIT_CLEARED, "addressed_deputy": deputy}
    data = {"unit": str(deputy), "deputy_id": deputy.pk}
    # A demand residents addressed to the deputy enters dispatch this way; one a centre dispatched to the deputy
    # goes back, which is a return and counts toward 首办负责制 like any other unit's.
    if _held_by_dispatch(demand):
        returns = demand.return_count + 1
        changes["return_count"] = returns
        changes["at_district_centre"] = demand.at_district_centre or returns >= settings.RETURNS_BEFORE_DISTRICT
        data.update(returns=returns, to_district=changes["at_district_centre"])
    DEMANDS.apply(demand, actor=actor, action=Action.FORWARD, changes=changes, note=(note or "").strip(), data=data)
    return demand


def _held_by_dispatch(demand) -> bool:
    """Whether the unit got the demand from a centre's dispatch rather than straight from the resident."""
    last = (demand.events.filter(action__in=[Action.ROUTE, Action.DISPATCH, Action.REASSIGN])
            .order_by("-created_at", "-id").values_list("action", flat=True).first())
    return last in (Action.DISPATCH, Action.REASSIGN)


@transaction.atomic
def demand_request_extension(*, demand_id, actor, days: int, reason: str) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.REQUEST_EXTENSION)
    reason = _require_text(reason, "reason", _("Say why more time is needed."))
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise InvalidInput(field_errors={"days": [_("Ask for 1 to 30 working days.")]})
    DEMANDS.apply(demand, actor=actor, action=Action.REQUEST_EXTENSION, changes={"extension_requested_days": days},
                note=reason, public=False, data={"days": days})
    return demand


@transaction.atomic
def demand_extend(*, demand_id, actor, note="") -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.EXTEND)
    days = demand.extension_requested_days
    new_deadline = sla.add_working_days(demand.resolve_deadline or timezone.now(), days)
    warn_at, supervise_at = sla.escalation_times(demand.dispatched_at or timezone.now(), new_deadline)
    # Levels already reached stay reached: each applies once per dispatch.
    changes = {"resolve_deadline": new_deadline, "warn_at": warn_at, "supervise_at": supervise_at,
               "extension_used": True, "extension_requested_days": None}
    DEMANDS.apply(demand, actor=actor, action=Action.EXTEND, changes=changes, note=note,
                data={"days": days, "resolve_deadline": new_deadline.isoformat()})
    return demand


@transaction.atomic
def demand_deny_extension(*, demand_id, actor, reason: str) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.DENY_EXTENSION)
    reason = _require_text(reason, "reason", _("Say why the extension is refused."))
    DEMANDS.apply(demand, actor=actor, action=Action.DENY_EXTENSION, changes={"extension_requested_days": None},
                note=reason, public=False)
    return demand


@transaction.atomic
def demand_note(*, demand_id, actor, text: str, public: bool = False) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.NOTE)
    text = _require_text(text, "text", _("Write the progress note."))
    DEMANDS.apply(demand, actor=actor, action=Action.NOTE, changes={}, note=text, public=public)
    return demand


@uploads.photos_written_first
@transaction.atomic
def demand_resolve(*, demand_id, actor, outcome: str, reply: str, photos=()) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.RESOLVE)
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose the outcome.")]
    if not (reply or "").strip():
        errors["reply"] = [_("Write the reply the resident will read.")]
    if len(photos) > settings.MAX_PHOTOS:
        errors["photos"] = [_("At most %(n)s photos.") % {"n": settings.MAX_PHOTOS}]
    if errors:
        raise InvalidInput(field_errors=errors)
    checked = [uploads.check_photo(f) for f in photos]
    changes = {
        "outcome": outcome,
        "reply": reply.strip(),
        "resolved_at": timezone.now(),
        "resolved_by_grid": demand.unit_grid_id is not None,
        "reply_flags": reply_flags_for(demand, reply.strip()),
    }
    if not demand.answered_in_24h and changes["resolved_at"] - demand.created_at <= ANSWER_WITHIN:
        changes["answered_in_24h"] = True
    event = DEMANDS.apply(demand, actor=actor, action=Action.RESOLVE, changes=changes, note=reply.strip(),
                        data={"outcome": outcome, "unit": str(demand.unit), "reply_flags": changes["reply_flags"],
                              **_opinions_missing(demand)})
    for photo in checked:
        uploads.attach_photo(demand, photo, purpose=DemandAttachment.Purpose.RESULT, event=event)
    policy = sla.policy_for(demand.type, demand.urgency)
    if policy is not None and policy.auto_verify:
        _verify(demand, actor=SYSTEM, note=_("Verified automatically by policy for this type."), data={"policy": True})
    return demand


# ---------------------------------------------------------------- supervision and rating


def _verify(demand, *, actor, note="", data=None) -> None:
    DEMANDS.check(actor, demand, Action.VERIFY)
    changes = {"verified_at": timezone.now(), "rating_token": secrets.token_urlsafe(24), "rating_reminders_sent": 0}
    DEMANDS.apply(demand, actor=actor, action=Action.VERIFY, changes=changes, note=note, data=data)


@transaction.atomic
def demand_verify(*, demand_id, actor, note="") -> Demand:
    demand = DEMANDS.lock(demand_id)
    _verify(demand, actor=actor, note=note)
    return demand


def _reopen(demand, *, actor, reason: str, unit=None) -> None:
    DEMANDS.check(actor, demand, Action.REOPEN)
    unit = unit or demand.unit
    changes = {
        **_unit_fields(unit),
        **_clock_fields(demand, timezone.now()),
        "rework_count": demand.rework_count + 1,
        "outcome": "", "reply": "", "reply_flags": [], "resolved_at": None, "resolved_by_grid": False,
        "verified_at": None, "rating_token": "", "rating": "", "rating_comment": "", "rated_at": None,
        "closed_at": None,
    }
    DEMANDS.apply(demand, actor=actor, action=Action.REOPEN, changes=changes, note=reason,
                data={**_unit_data(unit), "rework": demand.rework_count + 1})


@transaction.atomic
def demand_reopen(*, demand_id, actor, reason: str, unit=None) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.REOPEN)
    reason = _require_text(reason, "reason", _("Say what must be handled again."))
    _reopen(demand, actor=actor, reason=reason, unit=unit)
    return demand


@transaction.atomic
def demand_rate(*, demand_id, actor, rating: str, comment: str = "") -> Demand:
    """The resident's rating. A first "dissatisfied" reopens; a second closes and flags for supervisors."""
    demand = DEMANDS.begin(demand_id, actor, Action.RATE)
    if rating not in Rating.values:
        raise InvalidInput(field_errors={"rating": [_("Choose how satisfied you are.")]})
    comment = (comment or "").strip()
    now = timezone.now()
    dissatisfied = rating == Rating.DISSATISFIED
    count = demand.dissatisfied_count + (1 if dissatisfied else 0)
    changes = {"rating": rating, "rating_comment": comment, "rated_at": now, "closed_at": now,
               "rating_token": "", "dissatisfied_count": count}
    if dissatisfied and count >= 2:
        changes["flagged"] = True
    # How the rating came in: the private link from the SMS, the tracking code, or the resident's own account.
    via = actor.via if isinstance(actor, ResidentActor) else "account"
    DEMANDS.apply(demand, actor=actor, action=Action.RATE, changes=changes, note=comment,
                data={"rating": rating, "via": via})
    if dissatisfied and count == 1:
        _reopen(demand, actor=SYSTEM, reason=_("The resident was not satisfied; the demand is handled again."))
    return demand


@transaction.atomic
def demand_expire_rating(*, demand_id, actor=SYSTEM) -> Demand:
    demand = DEMANDS.begin(demand_id, actor, Action.EXPIRE_RATING)
    DEMANDS.apply(demand, actor=actor, action=Action.EXPIRE_RATING,
                changes={"closed_at": timezone.now(), "rating_token": ""})
    return demand


@transaction.atomic
def demand_urge(*, demand_id, actor, note: str, due_date: dt.date) -> SupervisionOrder:
    """A supervision order for the demand. A demand has one open order at a time: urging a demand whose order is
    still unanswered (the sweep's automatic one, or another supervisor's) rewrites that order with this note and due
    date, so the unit answers one order; the earlier words stay in the timeline."""
    demand = DEMANDS.begin(demand_id, actor, Action.URGE)
    note = _require_text(note, "note", _("Write what the unit must do."))
    if due_date is None or due_date < timezone.localdate():
        raise InvalidInput(field_errors={"due_date": [_("The due date cannot be in the past.")]})
    # The demand's row lock serialises this with the escalation sweep, which adds no order beside an open one.
    order = demand.supervision_orders.filter(answered_at__isnull=True).order_by("created_at", "pk").first()
    data = {"due_date": due_date.isoformat()}
    if order is not None:
        data.update(order=order.pk, previous_due_date=order.due_date.isoformat())
    event = DEMANDS.apply(demand, actor=actor, action=Action.URGE, changes={}, note=note, public=False, data=data)
    if order is None:
        return SupervisionOrder.objects.create(demand=demand, created_by=actor, note=note, due_date=due_date,
                                               created_at=event.created_at)
    order.note, order.due_date, order.created_by = note, due_date, actor
    order.source = SupervisionOrder.Source.MANUAL
    order.save(update_fields=["note", "due_date", "created_by", "source"])
    return order


@transaction.atomic
def supervision_order_answer(*, order_id, actor, answer: str) -> SupervisionOrder:
    from .permissions import is_unit_member

    try:
        order = SupervisionOrder.objects.select_for_update().select_related("demand").get(pk=order_id)
    except (SupervisionOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such supervision order.")) from None
    if not is_unit_member(actor, order.demand):
        if is_staff_user(actor) and can_view(actor, order.demand):
            raise NotPermitted()
        raise NotFound(_("No such supervision order."))
    if order.answered_at is not None:
        raise TransitionNotAllowed(_("This supervision order was already answered."))
    order.answer = _require_text(answer, "answer", _("Write the answer to the supervisors."))
    order.answered_by = actor
    order.answered_at = timezone.now()
    order.save(update_fields=["answer", "answered_by", "answered_at"])
    return order


@uploads.photos_written_first
@transaction.atomic
def demand_attach_photos(*, demand_id, actor, photos) -> list:
    """More photos for an open demand: the submitter's evidence, or the handling unit's result photos."""
    from .permissions import is_submitter, is_unit_member

    demand = DEMANDS.lock(demand_id)
    if is_unit_member(actor, demand):
        purpose = DemandAttachment.Purpose.RESULT
    elif is_submitter(actor, demand):
        purpose = DemandAttachment.Purpose.SUBMISSION
    elif is_staff_user(actor) and can_view(actor, demand):
        raise NotPermitted()
    else:
        raise NotFound(_("No such demand."))
    if demand.status not in OPEN_STATES:
        raise TransitionNotAllowed(_("Photos can only be added while the demand is open."))
    existing = demand.attachments.filter(purpose=purpose).count()
    if not photos or existing + len(photos) > settings.MAX_PHOTOS:
        raise InvalidInput(field_errors={"photos": [_("At most %(n)s photos.") % {"n": settings.MAX_PHOTOS}]})
    checked = [uploads.check_photo(f) for f in photos]
    demand.updated_at = timezone.now()
    demand.save(update_fields=["updated_at"])
    return [uploads.attach_photo(demand, photo, purpose=purpose) for photo in checked]


@uploads.photos_written_first
@transaction.atomic
def demand_supplement(*, demand_id, actor, text: str, photos=()) -> Demand:
    """补充材料: the resident who asked adds words, and photos, to a demand still open. It goes on the timeline,
    which the resident and the staff read, and the unit holding it (else the dispatchers) is told."""
    demand = DEMANDS.begin(demand_id, actor, Action.SUPPLEMENT)
    text = _require_text(text, "text", _("Write what you want to add."))
    existing = demand.attachments.filter(purpose=DemandAttachment.Purpose.SUBMISSION).count()
    if existing + len(photos) > settings.MAX_PHOTOS:
        raise InvalidInput(field_errors={"photos": [
            _("At most %(n)s photos in all; this demand has %(m)s.") % {"n": settings.MAX_PHOTOS, "m": existing}]})
    checked = [uploads.check_photo(f) for f in photos]
    event = DEMANDS.apply(demand, actor=actor, action=Action.SUPPLEMENT, changes={}, note=text,
                          data={"photos": len(checked)})
    for photo in checked:
        uploads.attach_photo(demand, photo, purpose=DemandAttachment.Purpose.SUBMISSION, event=event)
    return demand


@transaction.atomic
def demand_chase(*, demand_id, actor, note: str = "") -> Demand:
    """催办: the resident who asked presses a unit that let the handling deadline pass. Counted on the demand's
    record and told to the unit holding it and to the supervisors; at most once a day."""
    demand = DEMANDS.begin(demand_id, actor, Action.CHASE)
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput(field_errors={"note": [_("At most 500 characters.")]})
    chases = demand.events.filter(action=Action.CHASE).count() + 1
    DEMANDS.apply(demand, actor=actor, action=Action.CHASE, changes={}, note=note, data={"chases": chases})
    return demand


@transaction.atomic
def demand_withdraw(*, demand_id, actor, reason: str = "") -> Demand:
    """撤回: the resident who asked takes the demand back before any unit has started on it. It ends there, like a
    rejected one (counted as received, never as closed); a unit it was dispatched to is told and keeps it on record."""
    demand = DEMANDS.begin(demand_id, actor, Action.WITHDRAW)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InvalidInput(field_errors={"reason": [_("At most 500 characters.")]})
    DEMANDS.apply(demand, actor=actor, action=Action.WITHDRAW, changes={"closed_at": timezone.now()}, note=reason,
                  data={"unit": str(demand.unit) if demand.unit else ""})
    return demand


# ---------------------------------------------------------------- joint handling (主办/协办)


def _opinions_missing(demand) -> dict:
    """The lead may resolve before every co-handling department answered (docs/lifecycles.md#joint-handling); the
    resolve event names those still silent, for the supervisor who verifies it."""
    from .models import CoHandling

    missing = list(demand.cohandlings.filter(state=CoHandling.State.PENDING).select_related("department")
                   .order_by("created_at", "id"))
    return {"opinions_missing": [str(row.department) for row in missing]} if missing else {}


def _cohandling_due(demand, due_date, now) -> dt.datetime:
    """The opinion deadline: by default halfway to the lead's resolve deadline (sla.cohandling_due); a day the
    dispatcher chose runs to its end, between today and the lead's resolve day, never past the lead's deadline."""
    if due_date is None:
        return sla.cohandling_due(now, demand.resolve_deadline)
    last = sla.cohandling_last_day(now, demand.resolve_deadline)
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime) or not (
            timezone.localdate(now) <= due_date <= last):
        raise InvalidInput(field_errors={"due_date": [
            _("Choose a day from today to %(last)s, the lead unit's deadline.") % {"last": last.isoformat()}]})
    due = sla.end_of_day(due_date)
    if demand.resolve_deadline is not None and now < demand.resolve_deadline < due:
        due = demand.resolve_deadline
    return due


@transaction.atomic
def demand_add_cohandler(*, demand_id, actor, department, due_date: dt.date | None = None, note: str = ""):
    """协办: a dispatcher asks a department to help the unit holding the demand, with its own opinion deadline.
    The department is told (notifications) and sees the demand in its lists; the lead keeps the demand."""
    from core.models import Department
    from .models import CoHandling

    demand = DEMANDS.begin(demand_id, actor, Action.ADD_COHANDLER)
    now = timezone.now()
    errors = {}
    note = (note or "").strip()
    if not isinstance(department, Department) or not department.is_active:
        errors["department"] = [_("Choose the department that will co-handle the demand.")]
    elif department.pk == demand.unit_department_id:
        errors["department"] = [_("This department already leads the handling of this demand.")]
    elif department.pk in cohandling_states(demand):  # read by the guard, under the demand's lock
        errors["department"] = [_("This department already co-handles this demand.")]
    if len(note) > 500:
        errors["note"] = [_("At most 500 characters.")]
    try:
        due = _cohandling_due(demand, due_date, now)
    except InvalidInput as error:
        errors.update(error.field_errors)
    if errors:
        raise InvalidInput(field_errors=errors)
    event = DEMANDS.apply(demand, actor=actor, action=Action.ADD_COHANDLER, changes={}, note=note,
                          data={"unit": str(department), "department_id": department.pk, "due_at": due.isoformat()})
    return CoHandling.objects.create(demand=demand, department=department, due_at=due, request_note=note,
                                     added_by=actor, created_at=event.created_at)


@transaction.atomic
def demand_cohandler_opinion(*, demand_id, actor, text: str):
    """A co-handling department's opinion, once, while the lead holds the demand; late opinions are marked late."""
    from .models import CoHandling

    demand = DEMANDS.begin(demand_id, actor, Action.COHANDLER_OPINION)
    text = _require_text(text, "text", _("Write your department's opinion."))
    if len(text) > 2000:
        raise InvalidInput(field_errors={"text": [_("At most 2000 characters.")]})
    row = (CoHandling.objects.select_for_update().select_related("department")
           .get(demand=demand, department_id=actor.department_id, state=CoHandling.State.PENDING))
    now = timezone.now()
    row.state, row.opinion, row.answered_by, row.answered_at = CoHandling.State.ANSWERED, text, actor, now
    row.save(update_fields=["state", "opinion", "answered_by", "answered_at"])
    DEMANDS.apply(demand, actor=actor, action=Action.COHANDLER_OPINION, changes={}, note=text, public=False,
                  data={"unit": str(row.department), "department_id": row.department_id, "late": now > row.due_at})
    return row


@transaction.atomic
def demand_remove_cohandler(*, demand_id, actor, department, note: str = ""):
    """A dispatcher withdraws a request whose opinion is still pending (an opinion given stays on the record)."""
    from .models import CoHandling

    demand = DEMANDS.begin(demand_id, actor, Action.REMOVE_COHANDLER)
    note = (note or "").strip()
    row = (demand.cohandlings.select_for_update().select_related("department")
           .filter(department_id=getattr(department, "pk", None), state=CoHandling.State.PENDING).first())
    if row is None:
        raise InvalidInput(field_errors={"department": [
            _("Choose a co-handling department whose opinion is still pending.")]})
    if len(note) > 500:
        raise InvalidInput(field_errors={"note": [_("At most 500 characters.")]})
    row.state, row.withdrawn_at = CoHandling.State.WITHDRAWN, timezone.now()
    row.save(update_fields=["state", "withdrawn_at"])
    DEMANDS.apply(demand, actor=actor, action=Action.REMOVE_COHANDLER, changes={}, note=note,
                  data={"unit": str(row.department), "department_id": row.department_id})
    return row


# ---------------------------------------------------------------- composed actions


@transaction.atomic
def demand_classify_and_dispatch(*, demand_id, actor, type: str, category: Category, urgency: str, grid: Grid, unit,
                                 note="") -> Demand:
    """受理并派单: classify, then dispatch, in one transaction. Each step keeps its own checks and its own event;
    a refused dispatch undoes the classify, so the demand is either dispatched or untouched."""
    demand_classify(demand_id=demand_id, actor=actor, type=type, category=category, urgency=urgency, grid=grid)
    return demand_dispatch(demand_id=demand_id, actor=actor, unit=unit, note=note)
