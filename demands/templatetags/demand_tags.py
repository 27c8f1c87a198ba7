"""Display helpers: masking personal data and describing events for residents."""

from django import template
from django.utils.translation import gettext as _

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
RESIDENT_NOTES = {Action.REJECT, Action.RESOLVE, Action.NOTE, Action.RATE}


@register.filter
def public_phrase(event) -> str:
    phrase = PUBLIC_PHRASES.get(event.action)
    if phrase is None:
        return ""
    unit = (event.data or {}).get("unit") or _("the handling unit")
    return str(phrase) % {"unit": unit} if "%(unit)s" in str(phrase) else str(phrase)


@register.filter
def public_note(event) -> str:
    return event.note if event.action in RESIDENT_NOTES else ""


@register.simple_tag
def status_class(status: str) -> str:
    return f"status status-{status}"
