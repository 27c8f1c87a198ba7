"""Who acts: a staff account, the platform itself, or a resident holding a demand's code or rating link."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class SystemActor:
    """The platform itself: sweeps, policies and automatic follow-ups."""

    kind = "system"
    label = _("system")

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


@dataclass(frozen=True)
class ResidentActor:
    """Whoever holds a demand's tracking code or its private rating link; `via` says which (kept on a rating)."""

    demand_id: int
    via: str = "tracking_code"
    kind = "resident"


def is_staff_user(actor) -> bool:
    """A signed-in, active account of the portal (every role, residents' own accounts included)."""
    return getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False) and hasattr(actor, "role")
