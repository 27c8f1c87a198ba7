"""Suggestion figures (docs/figures.md#suggestion-figures), computed the same way for the page and the API.

- 办复率 reply rate = replied / assigned. Assigned: the suggestion has an assignment (交办). Replied: its status is
  replied, evaluated or closed and it has a reply.
- 满意率 satisfaction = (satisfied + basically satisfied) / evaluated. A suggestion's evaluation is its lead
  proposer's (Suggestion.result); joint proposers' evaluations are shown on the suggestion but not counted.
- 解决率 solution rate = class A / replied.

Each table is one aggregate query; a suggestion counts in the year it was submitted (Suggestion.year). A rate whose
denominator is zero is shown as "—", never as 0 %.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from demands.models import Rating
from core.rates import Rate

from .models import ReplyClass, Suggestion
from .states import REPLIED_STATES

DEFINITIONS = [
    (_("Reply rate (办复率)"), _("replied ÷ assigned: suggestions answered by their lead department (status replied, "
                                "evaluated or closed) out of those assigned")),
    (_("Satisfaction (满意率)"), _("(satisfied + basically satisfied) ÷ evaluated: the lead proposer's evaluation "
                                  "counts; joint proposers' evaluations are shown but not counted")),
    (_("Solution rate (解决率)"), _("class A (solved or adopted) ÷ replied")),
]

_REPLIED = Q(status__in=list(REPLIED_STATES), reply__isnull=False)
COUNTS = {
    "assigned": Count("pk"),
    "replied": Count("pk", filter=_REPLIED),
    "class_a": Count("pk", filter=_REPLIED & Q(reply__reply_class=ReplyClass.A)),
    "evaluated": Count("pk", filter=~Q(result="")),
    "satisfied": Count("pk", filter=Q(result__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED])),
}


@dataclass(frozen=True)
class FigureRow:
    label: str
    key: object
    assigned: int = 0
    replied: int = 0
    class_a: int = 0
    evaluated: int = 0
    satisfied: int = 0

    @property
    def reply_rate(self) -> Rate:
        return Rate(self.replied, self.assigned)

    @property
    def satisfaction(self) -> Rate:
        return Rate(self.satisfied, self.evaluated)

    @property
    def solution_rate(self) -> Rate:
        return Rate(self.class_a, self.replied)


def _base(*, year=None, department=None):
    qs = Suggestion.objects.filter(assignment__isnull=False)
    if year:
        qs = qs.filter(year=year)
    if department:
        qs = qs.filter(assignment__lead_department_id=department)
    return qs


def _row(label, key, values: dict) -> FigureRow:
    return FigureRow(label=label, key=key, **{name: values.get(name) or 0 for name in COUNTS})


def by_department(*, year: int | None = None) -> list[FigureRow]:
    """One row per lead department that has suggestions assigned (in `year`, or in all years)."""
    rows = (_base(year=year)
            .values("assignment__lead_department", "assignment__lead_department__short_name",
                    "assignment__lead_department__name", "assignment__lead_department__code")
            .annotate(**COUNTS).order_by("assignment__lead_department__code"))
    return [_row(r["assignment__lead_department__short_name"] or r["assignment__lead_department__name"],
                 r["assignment__lead_department"], r) for r in rows]


def by_year(*, department: int | None = None) -> list[FigureRow]:
    rows = _base(department=department).values("year").annotate(**COUNTS).order_by("year")
    return [_row(str(r["year"]), r["year"], r) for r in rows]


def total(*, year: int | None = None, department: int | None = None) -> FigureRow:
    return _row(str(_("Total")), None, _base(year=year, department=department).aggregate(**COUNTS))


def years() -> list[int]:
    return sorted(set(Suggestion.objects.exclude(code="").values_list("year", flat=True)))
