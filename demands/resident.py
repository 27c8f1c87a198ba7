"""The registered resident's side: their own demands, what happens next to each, and the submit form's prefill.

A resident's account is only a convenience over the tracking code: it lists the demands they submitted and links
each to its public tracking page. It never shows internal events, staff names or another person's code.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role

from .models import Demand, DemandEvent
from core.actors import is_staff_user
from .escalation import RATING_WINDOW
from .sla import add_working_days
from .states import Status

# The centres review and classify a new demand within one working day (docs/lifecycles.md#sla-clock: accept within one working day).
CLASSIFY_WITHIN_WORKING_DAYS = 1


def is_resident(user) -> bool:
    return is_staff_user(user) and user.role == Role.RESIDENT


def submit_initial(user) -> dict:
    """Name and phone of a signed-in resident, offered as the submit form's editable initial values."""
    if not is_resident(user):
        return {}
    initial = {"contact_name": user.display_name or user.get_full_name(), "contact_phone": user.phone}
    return {field: value for field, value in initial.items() if value}


def owned_by_resident_q(viewer) -> Q:
    """What is a registered resident's own: what they submitted signed in, and, once they proved they hold their
    phone by an SMS code (demands.phone_signin), every demand given with that number."""
    mine = Q(submitted_by=viewer)
    if viewer.phone_verified_at and viewer.phone:
        mine |= Q(contact_phone=viewer.phone) & ~Q(contact_phone="")  # as the partial index demand_contact_phone
    return mine


def resident_demands(*, viewer) -> QuerySet:
    """The demands a registered resident submitted, newest first, with their public steps."""
    if not is_resident(viewer):
        return Demand.objects.none()
    public_steps = DemandEvent.objects.filter(public=True).order_by("created_at", "id")
    return (
        Demand.objects.filter(owned_by_resident_q(viewer))
        .select_related("unit_grid", "unit_department", "unit_deputy", "merged_into__unit_grid",
                        "merged_into__unit_department", "merged_into__unit_deputy")
        .prefetch_related(Prefetch("events", queryset=public_steps, to_attr="public_steps"))
        .order_by("-created_at", "-id")
    )


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def next_step(demand, *, now=None) -> str:
    """What happens next, in one line a resident understands. A merged demand follows the one it joined."""
    followed = demand.merged_into if demand.merged_into_id else demand
    now = now or timezone.now()
    status = followed.status
    unit = str(followed.unit) if followed.unit else _("the handling unit")
    if status == Status.RECEIVED:
        due = add_working_days(followed.created_at, CLASSIFY_WITHIN_WORKING_DAYS)
        if due > now:
            return _("The centre will review and classify it by %(when)s.") % {"when": _when(due)}
        return _("The centre is reviewing it.")
    if status == Status.CLASSIFIED:
        return _("Accepted; it will be assigned to a handling unit shortly.")
    if status in (Status.DISPATCHED, Status.ACCEPTED):
        deadline = followed.resolve_deadline
        if deadline is None:
            return _("%(unit)s is handling it.") % {"unit": unit}
        if deadline < now:
            return _("%(unit)s was due to finish it by %(when)s; it is being urged.") % {
                "unit": unit, "when": _when(deadline)}
        return _("%(unit)s will finish it by %(when)s.") % {"unit": unit, "when": _when(deadline)}
    if status == Status.RESOLVED:
        return _("%(unit)s replied; the result is being checked.") % {"unit": unit}
    if followed is not demand and status in (Status.VERIFIED, Status.CLOSED):
        # The rating of the demand it joined is that resident's, not this one's.
        return _("Handled together with a report of the same problem; the result was checked.")
    if status == Status.VERIFIED:
        if followed.verified_at is None:
            return _("The result was checked by a supervisor. Please rate the handling.")
        # Unrated, it closes by itself when the window ends (demands.escalation).
        return _("Please rate the handling by %(when)s.") % {"when": _when(followed.verified_at + RATING_WINDOW)}
    if status == Status.REJECTED:
        return _("It cannot be taken up; the reason is on its tracking page.")
    if status == Status.WITHDRAWN:
        return _("You withdrew it; nothing more will be done about it.")
    return ""  # closed: the latest step already says how it ended


def latest_public_step(demand):
    """The newest step the tracking page shows (the demand's own steps, prefetched by resident_demands)."""
    steps = getattr(demand, "public_steps", None)
    if steps is None:
        steps = list(demand.events.filter(public=True).order_by("created_at", "id"))
    return steps[-1] if steps else None
