"""The call-back figures (docs/figures.md#call-back-figures), registered in the dashboard's figure registry.

Both count the call-backs of the demands the dashboard counts: received in the period, within the viewer's scope and
the filters (supervise.selectors.period_demands), whatever the day of the call.
"""

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from supervise import registry

from .models import RevisitTask
from .states import Status

SATISFIED_SIDE = list(registry.POSITIVE_RATINGS)
DISSATISFIED = "dissatisfied"


def revisit_rate(demands) -> tuple[int, int]:
    """(reached, due): due are the tasks of these demands that left a number, less those closed as not callable."""
    due = (RevisitTask.objects.filter(demand__in=demands.order_by().values("pk"))
           .exclude(demand__contact_phone="").exclude(status=Status.UNCALLABLE))
    row = due.aggregate(due=Count("id"), reached=Count("id", filter=Q(status=Status.REACHED)))
    return row["reached"], row["due"]


def revisit_agreement(demands) -> tuple[int, int]:
    """(agreeing, compared): demands rated now with a reached call-back in the same handling round; the latest such
    call-back agrees when the resident's view there is on the rating's side (satisfied or basically satisfied, or
    dissatisfied)."""
    view = Subquery(RevisitTask.objects.filter(demand_id=OuterRef("pk"), status=Status.REACHED,
                                               round=OuterRef("rework_count"))
                    .order_by("-closed_at", "-id").values("view")[:1])
    compared = demands.order_by().exclude(rating="").annotate(callback_view=view).filter(callback_view__isnull=False)
    row = compared.aggregate(
        compared=Count("pk"),
        agreeing=Count("pk", filter=Q(rating__in=SATISFIED_SIDE, callback_view__in=SATISFIED_SIDE)
                       | Q(rating=DISSATISFIED, callback_view=DISSATISFIED)))
    return row["agreeing"], row["compared"]


FIGURES = [
    registry.LinkedRate(
        "revisit_rate", _("Call-back rate (回访率)"),
        _("Call-backs that reached the resident ÷ call-backs due (after each reply and each dissatisfied rating), "
          "for the demands received in the period; demands without a phone number are left out."),
        revisit_rate),
    registry.LinkedRate(
        "revisit_agreement", _("Call-back agreement"),
        _("Of the rated demands with a call-back that reached the resident in the same round: those where the "
          "resident's view on the phone is on the same side as the rating (satisfied or basically satisfied, or "
          "dissatisfied)."),
        revisit_agreement),
]


def register() -> None:
    known = {getattr(f, "name", None) for f in registry.FIGURES}
    registry.register(*(f for f in FIGURES if f.name not in known))
