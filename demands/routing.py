"""Suggestions at intake and automatic routing (docs/lifecycles.md#intake-and-routing: the rules may move a
demand on at once, recorded as the system actor).

At receive the classifier runs once; its suggestion is stored on the demand. The system then classifies and
dispatches the demand itself, through demand_classify and demand_dispatch with actor=SYSTEM, only when all hold:

- AUTO_DISPATCH_ENABLED (default True);
- the demand came in on the web, by QR code or through the API, and is addressed to no deputy or station
  (those go to the deputy), and holds no unit yet;
- it is not urgent: an urgent demand has two hours to be accepted, and a wrong unit would spend them, so a
  dispatcher looks at every urgent one;
- it is located in a grid (classifying fixes the grid; the system never guesses a place);
- the classifier is confident in both type and category (each >= AUTO_CLASSIFY_CONFIDENCE, default 0.85),
  and the resident did not choose a different category;
- the routing rules name one unit:
  (i) a grid-level matter (GRID_MATTERS: what grid workers settle on the spot) in a grid that has an active
      grid worker -> that grid;
  (ii) otherwise exactly one active department handles the sub-category (or, when none names the
      sub-category, its top-level category) -> that department.
Anything else stays "received" for the dispatcher, with the suggestion shown on the demand's page.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .classify import auto_threshold
from core.models import Department
from .models import Category, Channel, Urgency

logger = logging.getLogger(__name__)

# Sub-categories (or whole top-level categories) a grid worker handles on the spot: clearing a garbage heap,
# moving a street stall on, trimming greenery, mediating between neighbours.
GRID_MATTERS = (
    "sanitation.garbage",
    "sanitation.street_vending",
    "sanitation.greening",
    "other.neighbor_dispute",
)
AUTO_ROUTE_CHANNELS = (Channel.WEB, Channel.QR, Channel.API)


@dataclass(frozen=True)
class Suggestion:
    type: str | None
    category: Category | None
    confidence: float
    type_confidence: float
    category_confidence: float


@dataclass(frozen=True)
class Decision:
    unit: object | None
    rule: str  # "grid", "department", or why not: "disabled", "channel", "urgent", "unsure", ...


def enabled() -> bool:
    return bool(getattr(settings, "AUTO_DISPATCH_ENABLED", True))


def intake_suggestion(content: str) -> Suggestion | None:
    """The classifier's suggestion for a new demand, with its category looked up; None if it cannot say."""
    from .classify import ClassifierUnavailable, suggest

    try:
        guess = suggest(content)
    except ClassifierUnavailable:  # no saved model: logged once by classify, the dispatcher classifies
        return None
    except Exception:  # a broken model must never stop a resident's demand from coming in
        logger.exception("The classifier failed; the demand is received without a suggestion.")
        return None
    if guess["type"] is None:
        return None
    category = Category.objects.filter(code=guess["category"], is_active=True).select_related("parent").first() \
        if guess["category"] else None
    return Suggestion(type=guess["type"], category=category, confidence=guess["confidence"],
                      type_confidence=guess["type_confidence"], category_confidence=guess["category_confidence"])


def suggestion_fields(suggestion: Suggestion | None) -> dict:
    """Demand fields that keep the suggestion beside what the dispatcher will choose."""
    if suggestion is None:
        return {}
    return {"suggested_type": suggestion.type or "", "suggested_category": suggestion.category,
            "suggestion_confidence": suggestion.confidence}


def matches(code: str, entries) -> bool:
    return any(code == entry or code.startswith(f"{entry}.") for entry in entries)


def department_for(category: Category) -> Department | None:
    """The one active department handling the category (named for the sub-category first, else for its top
    level), or None when none or several do."""
    candidates = [category] + ([category.parent] if category.parent_id else [])
    for cat in candidates:
        departments = list(Department.objects.filter(categories=cat, is_active=True)[:2])
        if departments:
            return departments[0] if len(departments) == 1 else None
    return None


def _grid_has_worker(grid) -> bool:
    from accounts.models import Role, User

    return User.objects.filter(role=Role.GRID_WORKER, grid=grid, is_active=True).exists()


def decide(demand, suggestion: Suggestion | None) -> Decision:
    """Where the system would send a just-received demand, or why it leaves it to the dispatcher."""
    if not enabled():
        return Decision(None, "disabled")
    if demand.channel not in AUTO_ROUTE_CHANNELS:
        return Decision(None, "channel")
    if demand.addressed_deputy_id or demand.station_id or demand.unit is not None:
        return Decision(None, "addressed")
    if demand.urgency == Urgency.URGENT:
        return Decision(None, "urgent")
    if demand.grid_id is None:
        return Decision(None, "no_grid")
    if suggestion is None or suggestion.category is None or not suggestion.category.parent_id:
        return Decision(None, "unsure")
    if min(suggestion.type_confidence, suggestion.category_confidence) < auto_threshold():
        return Decision(None, "unsure")
    if demand.category_id and demand.category_id != suggestion.category.pk:
        return Decision(None, "disagrees")
    if matches(suggestion.category.code, GRID_MATTERS) and _grid_has_worker(demand.grid):
        return Decision(demand.grid, "grid")
    department = department_for(suggestion.category)
    if department is not None:
        return Decision(department, "department")
    return Decision(None, "no_unit")


def auto_route(demand, suggestion: Suggestion | None) -> Decision:
    """Classify and dispatch a just-received demand as the system when the rules allow (module docstring).

    Runs inside the caller's transaction; a refusal by the services leaves the demand received."""
    from . import services
    from core.actors import SYSTEM

    decision = decide(demand, suggestion)
    if decision.unit is None:
        return decision
    percent = round(suggestion.confidence * 100)
    try:
        with transaction.atomic():
            services.demand_classify(
                demand_id=demand.pk, actor=SYSTEM, type=suggestion.type, category=suggestion.category,
                urgency=demand.urgency, grid=demand.grid,
                note=_("Classified automatically: the classifier is %(percent)s%% sure.") % {"percent": percent},
            )
            reason = (_("a grid-level matter, sent to the grid where it is") if decision.rule == "grid"
                      else _("the only department handling this category"))
            services.demand_dispatch(demand_id=demand.pk, actor=SYSTEM, unit=decision.unit,
                                     note=_("Dispatched automatically: %(reason)s.") % {"reason": reason})
    except ApplicationError:
        logger.warning("Automatic routing of demand %s was refused; it waits for the dispatcher.", demand.pk,
                       exc_info=True)
        return Decision(None, "refused")
    demand.refresh_from_db()
    return decision
