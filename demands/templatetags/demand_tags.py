"""Display helpers: masking personal data and describing events for residents."""

from django import template
from django.utils.translation import gettext as _

from demands.models import Rating
from demands.states import PUBLIC_PHRASES, Action

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    """138****1234: enough to recognise one's own number, not enough to call it."""
    value = value or ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


@register.filter
def mask_name(value: str) -> str:
    value = value or ""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


# Notes that are meant for the resident and shown on the public timeline.
RESIDENT_NOTES = {Action.REJECT, Action.RESOLVE, Action.NOTE, Action.RATE, Action.SUPPLEMENT, Action.CHASE,
                  Action.WITHDRAW}


@register.filter
def public_phrase(event) -> str:
    phrase = PUBLIC_PHRASES.get(event.action)
    if phrase is None:
        return ""
    rating = (event.data or {}).get("rating")
    if event.action == Action.RATE and rating in Rating.values:
        # Which rating, so the resident can check what was recorded (the comment follows as the note).
        return _("You rated the handling: %(rating)s.") % {"rating": Rating(rating).label}
    unit = (event.data or {}).get("unit") or _("the handling unit")
    return str(phrase) % {"unit": unit} if "%(unit)s" in str(phrase) else str(phrase)


@register.filter
def public_note(event) -> str:
    return event.note if event.action in RESIDENT_NOTES else ""


@register.simple_tag
def status_class(status: str) -> str:
    return f"status status-{status}"


def _span(delta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)smin") % {"h": hours, "m": minutes}
    return _("%(m)smin") % {"m": minutes}


@register.inclusion_tag("demands/deadline_badge.html")
def deadline_badge(demand):
    """Deadline, time left or overdue, and the escalation level, in colour and in words."""
    from django.utils import timezone

    from demands.states import HANDLING_STATES

    if demand.status not in HANDLING_STATES or demand.resolve_deadline is None:
        return {"show": False}
    left = demand.resolve_deadline - timezone.now()
    level = demand.escalation_level
    if level >= 3:
        css, label = "level-3", _("supervised")
    elif level >= 2 or demand.is_overdue:
        css, label = "level-2", _("overdue")
    elif level >= 1:
        css, label = "level-1", _("warning")
    else:
        css, label = "level-0", _("on time")
    timing = (_("%(span)s overdue") if left.total_seconds() < 0 else _("%(span)s left")) % {"span": _span(left)}
    return {"show": True, "css": css, "label": label, "timing": timing, "deadline": demand.resolve_deadline,
            "level": level}
