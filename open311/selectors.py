"""Reading for Open311: categories as services, demands as service requests, in the spec's field order.

What leaves here is all a client gets, so this is where personal data is kept out: no contact name or phone, ever.
A request the caller may not read in full (not public, outside its key's scope) is answered in a redacted form that
says how it is going and nothing of what or where it is.
"""

import datetime as dt
import operator
from functools import reduce

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from demands import sla
from demands.models import Category, Demand, DemandEvent, DemandType, SlaPolicy, Urgency
from demands.selectors import demands_visible_to, public_no_q, scope_q
from demands.states import TERMINAL_STATES, Action, Status
from demands.templatetags.demand_tags import public_phrase, public_note
from core.errors import NotFound

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Bump when the service list or a service definition changes shape: clients refresh their caches on it. A W3C
# datetime with its offset, as every other datetime of the spec.
CHANGESET = "2026-12-07T23:00:00+08:00"

DEFAULT_SPAN = dt.timedelta(days=90)  # "Default query limit is a span of 90 days or first 1000 requests"
MAX_REQUESTS = 1000
# servicerequestupdates is polled every few minutes over a short window (FixMyStreet asks for the last 2 hours).
UPDATES_DEFAULT_SPAN = dt.timedelta(days=1)
MAX_UPDATES = 1000

# Demands nobody has classified yet are filed under this pseudo-service, listed beside the categories. Should an
# administrator ever give a category this code, the pseudo-service wins: the list skips that category and a POST
# under the code comes in unclassified.
UNCLASSIFIED = "unclassified"

# Rejected and merged demands are finished for the resident as much as closed ones.
CLOSED_STATES = TERMINAL_STATES
# Notes written for the resident; a rating comment is the resident's own words and stays out.
EXPLAINED_ACTIONS = {Action.REJECT, Action.NOTE}
# An update also carries the reply of a resolve step (the status notes carry it as the demand's reply). The
# resident's own notes (supplement, chase, rating comment) stay out, as in the status notes.
UPDATE_NOTES = EXPLAINED_ACTIONS | {Action.RESOLVE}
ANSWERED_STATES = {Status.RESOLVED, Status.VERIFIED, Status.CLOSED}

# Attributes every sub-category accepts: (code, field whose label describes it, choices).
ATTRIBUTES = [
    ("urgency", "urgency", Urgency),
    ("demand_type", "type", DemandType),
]
DEFAULT_DEMAND_TYPE = DemandType.HELP


# ---------------------------------------------------------------- discovery and services


def discovery(*, endpoint_url: str) -> dict:
    # Deployments may set OPEN311_CONTACT / OPEN311_KEY_SERVICE; the defaults name the portal and its address.
    site, mail = settings.SITE_NAME, settings.DEFAULT_FROM_EMAIL
    contact = getattr(settings, "OPEN311_CONTACT", None) or f"{site} · {settings.SITE_REGION} · {mail}"
    key_service = getattr(settings, "OPEN311_KEY_SERVICE", None) or f"{site} · {mail}"
    return {
        "changeset": CHANGESET,
        "contact": str(contact),
        "key_service": str(key_service),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": endpoint_url,
            "changeset": CHANGESET,
            "type": "test" if settings.DEBUG else "production",
            "formats": ["text/xml", "application/json"],
        }],
    }


def _has_definition(category: Category) -> bool:
    return category.parent_id is not None


def service_list() -> list[dict]:
    """Top-level categories, each followed by its sub-categories (only active ones), then the unclassified."""
    categories = list(Category.objects.filter(is_active=True).exclude(code=UNCLASSIFIED).select_related("parent"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    services = []
    for top in (c for c in categories if c.parent_id is None):
        names = [c.name for c in children.get(top.pk, [])]
        services.append(_service(top, group=top.name, keywords=names))
        services += [_service(c, group=top.name, keywords=[c.name, top.name]) for c in children.get(top.pk, [])]
    services.append(_unclassified_service())
    return services


def _unclassified_service() -> dict:
    name = unclassified_name()
    return {
        "service_code": UNCLASSIFIED,
        "service_name": name,
        "description": _("Not yet classified: the centre chooses the service and the unit that handles it."),
        # Requests may be filed under it with the same attributes as any category.
        "metadata": True,
        "type": "realtime",
        "keywords": name,
        "group": name,
    }


def unclassified_name() -> str:
    return _("Unclassified")


def _service(category: Category, *, group: str, keywords: list[str]) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": str(category),
        "metadata": _has_definition(category),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": group,
    }


def service_get(code: str) -> Category | None:
    """An active category a request may be filed under; None for the unclassified pseudo-service."""
    if code == UNCLASSIFIED:
        return None
    category = Category.objects.filter(code=code, is_active=True).select_related("parent").first()
    if category is None:
        raise NotFound(f"service_code: {_('Not found.')}")
    return category


def service_definition(code: str) -> dict:
    category = service_get(code)
    if category is not None and not _has_definition(category):
        raise NotFound(f"service_code: {_('Not found.')}")
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": code_,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": order,
                "description": str(Demand._meta.get_field(field).verbose_name),
                "values": [{"key": value, "name": str(label)} for value, label in choices.choices],
            }
            for order, (code_, field, choices) in enumerate(ATTRIBUTES, start=1)
        ],
    }


def services_q(codes: list[str]) -> Q:
    """The requests of the services named in a filter, inactive categories included: old requests keep their
    service. A top-level code answers its own requests, not its children's, so every request listed carries a
    code that was asked for (a client checks each answer's code against the one it asked for)."""
    wanted = set(codes)
    q = Q(category__isnull=True) if UNCLASSIFIED in wanted else Q(pk__in=[])
    wanted.discard(UNCLASSIFIED)
    found = list(Category.objects.filter(code__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(f"service_code: {_('Not found.')}")
    return q | Q(category__in=found) if found else q


# ---------------------------------------------------------------- service requests


def readable_q(viewer) -> Q:
    """Requests read in full: public demands for anyone, and for a key holder what its account may see."""
    public = Q(is_public=True)
    if viewer is None:
        return public
    scope = scope_q(viewer)
    # An empty Q is everything, but `public | Q()` would be just `public`.
    return public | scope if scope else Q()


def requests_visible_to(viewer) -> QuerySet:
    return Demand.objects.filter(readable_q(viewer))


def request_list(*, viewer, ids=None, services=None, start=None, end=None, statuses=None) -> list[dict]:
    """Every demand, each in full or redacted for this viewer. `ids` (public numbers) overrides every other
    argument, as the spec says; at most 1000, newest first."""
    qs = Demand.objects.all()
    if ids is not None:
        wanted = [q for q in (public_no_q(i) for i in ids) if q is not None]
        qs = qs.filter(reduce(operator.or_, wanted)) if wanted else qs.none()
    else:
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        if services is not None:
            qs = qs.filter(services)
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED_STATES)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATES)
    return _requests(qs, viewer=viewer, limit=MAX_REQUESTS)


def request_get(*, viewer, number: str) -> dict:
    """One request by its public number, in full or redacted; unknown and malformed numbers are the same 404."""
    q = public_no_q(number)
    items = _requests(Demand.objects.filter(q), viewer=viewer) if q is not None else []
    if not items:
        raise NotFound(_("No such demand."))
    return items[0]


def request_token(*, viewer, token: str) -> dict:
    """Tokens are the public numbers (the id is known at once); answered only for requests the caller may read."""
    q = public_no_q(token)
    demand = requests_visible_to(viewer).filter(q).first() if q is not None else None
    if demand is None:
        raise NotFound(_("No such demand."))
    return {"service_request_id": demand.public_no, "token": demand.public_no}


def request_created(demand: Demand) -> dict:
    # The spec answers an id when the request is created at once (a token only when it is not): it always is here.
    # Never the tracking code: that is the resident's.
    return {
        "service_request_id": demand.public_no,
        "service_notice": _service_notice(demand, _policies()),
    }


def _precise_ids(viewer, demands) -> set[int]:
    """The demands whose own point the viewer reads: those in its scope. A resident's pin may be their doorstep, so
    anonymous readers, and key holders reading public demands outside their scope, get the grid's centre instead."""
    ids = [d.pk for d in demands if d.lat is not None]
    if viewer is None or not ids:
        return set()
    return set(demands_visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True))


def _requests(qs, *, viewer, limit: int | None = None) -> list[dict]:
    latest = DemandEvent.objects.filter(demand=OuterRef("pk"), public=True).order_by("-created_at", "-id")
    qs = (qs.select_related("category", "township", "community", "grid", "unit_grid", "unit_department", "unit_deputy")
          .annotate(latest_public_event_id=Subquery(latest.values("id")[:1]),
                    readable=ExpressionWrapper(readable_q(viewer), output_field=BooleanField()))
          .order_by("-created_at", "-id"))
    demands = list(qs[:limit])
    events = DemandEvent.objects.in_bulk(
        [d.latest_public_event_id for d in demands if d.readable and d.latest_public_event_id])
    policies = _policies()
    precise = _precise_ids(viewer, [d for d in demands if d.readable])
    return [_request(d, events.get(d.latest_public_event_id), policies, precise=d.pk in precise) if d.readable
            else _redacted(d) for d in demands]


def _service_of(demand: Demand) -> tuple[str, str]:
    if demand.category_id:
        return demand.category.code, demand.category.name
    return UNCLASSIFIED, unclassified_name()


def _point(demand: Demand, *, precise: bool) -> tuple[float | None, float | None]:
    if demand.lat is None or demand.lng is None:
        return None, None
    if precise:
        return float(demand.lat), float(demand.lng)
    if demand.grid_id:
        return float(demand.grid.lat), float(demand.grid.lng)
    return None, None


def _request(demand: Demand, event, policies, *, precise: bool) -> dict:
    closed = demand.status in CLOSED_STATES
    code, name = _service_of(demand)
    lat, lng = _point(demand, precise=precise)
    return {
        "service_request_id": demand.public_no,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(demand, event),
        "service_name": name,
        "service_code": code,
        "description": demand.content,
        "agency_responsible": _agency(demand),
        "service_notice": _service_notice(demand, policies),
        "requested_datetime": w3(demand.created_at),
        "updated_datetime": w3((demand.closed_at if closed else None) or demand.updated_at),
        "expected_datetime": w3(demand.resolve_deadline),
        "address": demand.address or _place(demand),
        "address_id": demand.grid.code if demand.grid_id else None,
        # No postal code is kept for the district's places; a client's own is returned as it was posted.
        "zipcode": demand.zipcode or None,
        "lat": lat,
        "long": lng,
        # Only a link a client posted. The portal's own photos are never linked here: they are served to those
        # who may see the demand and to the tracking code's holder, never to anonymous readers.
        "media_url": demand.media_url or None,
    }


def _redacted(demand: Demand) -> dict:
    """What anyone may know of a request that is not public: that it exists, under which service, how it is going
    and when. Nothing of what was asked, where, by whom or by whom it is handled (a unit may be a deputy)."""
    closed = demand.status in CLOSED_STATES
    code, name = _service_of(demand)
    return {
        "service_request_id": demand.public_no,
        "status": "closed" if closed else "open",
        "status_notes": None,
        "service_name": name,
        "service_code": code,
        "description": None,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": w3(demand.created_at),
        "updated_datetime": w3((demand.closed_at if closed else None) or demand.updated_at),
        "expected_datetime": w3(demand.resolve_deadline),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


# ---------------------------------------------------------------- updates (the servicerequestupdates extension)


def request_updates(*, viewer, start, end) -> list[dict]:
    """The public steps of the requests the viewer reads in full, oldest first (a poller replays them in order),
    at most 1000: a client that gets 1000 asks again from the last one's updated_datetime."""
    events = (DemandEvent.objects.filter(public=True, created_at__gte=start, created_at__lte=end)
              .filter(demand__in=requests_visible_to(viewer))
              .select_related("demand")
              .order_by("created_at", "id")[:MAX_UPDATES])
    return [_update(event) for event in events]


def _update(event) -> dict:
    note = public_note(event).strip() if event.action in UPDATE_NOTES else ""
    return {
        "update_id": str(event.pk),
        "service_request_id": event.demand.public_no,
        # The request's status once this step was taken, so that replaying the steps ends at its status now.
        "status": "closed" if event.to_status in CLOSED_STATES else "open",
        "updated_datetime": w3(event.created_at),
        "description": _join(public_phrase(event), note) or None,
        "media_url": None,  # photos are never public (see _request)
        # The portal's own, finer status (received, dispatched, accepted, resolved, merged, ...).
        "external_status_code": event.to_status,
    }


def w3(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the portal's offset, e.g. 2026-11-23T05:40:00+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _status_notes(demand: Demand, event) -> str | None:
    if demand.reply and demand.status in ANSWERED_STATES:
        return demand.reply
    if event is None:
        return None
    phrase = public_phrase(event)
    note = event.note.strip() if event.action in EXPLAINED_ACTIONS else ""
    return _join(phrase, note) or None


def _join(first: str, second: str) -> str:
    if not first or not second:
        return first or second
    return first + ("" if first.endswith(("。", "！", "：")) else " ") + second


def _agency(demand: Demand) -> str | None:
    if demand.unit_department_id:
        return demand.unit_department.name
    unit = demand.unit
    return str(unit) if unit is not None else None


def _place(demand: Demand) -> str:
    # Most specific first, as the spec asks of addresses.
    parts = [demand.grid, demand.community, demand.township]
    return " ".join(p.name for p in parts if p is not None)


def _policies() -> dict:
    return {(p.type, p.urgency): p for p in SlaPolicy.objects.all()}


def _service_notice(demand: Demand, policies: dict) -> str:
    """The service level the request falls under, e.g. 办理时限：3 工作日."""
    policy = policies.get((demand.type, demand.urgency))
    amount, unit = (policy.resolve_within, policy.resolve_unit) if policy else sla.FALLBACK["resolve"]
    label = SlaPolicy._meta.get_field("resolve_within").verbose_name
    colon = "：" if (get_language() or "").startswith("zh") else ": "
    return f"{label}{colon}{amount} {SlaPolicy.Unit(unit).label}"
