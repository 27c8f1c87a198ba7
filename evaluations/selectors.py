"""What an evaluation sheet shows: the unit's own figures for the round's year, computed by the same functions as
the dashboard and the suggestion figures, beside the deputies' and residents' ratings; and the composite score
(docs/figures.md#evaluation-figures)."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.actors import is_staff_user
from core.errors import NotFound
from core.rates import Rate
from core.validators import valid_pk
from demands.models import Demand
from suggestions import figures as suggestion_figures
from supervise import figures as demand_figures
from supervise.selectors import DashboardFilters

from .models import DeputyRating, Rating, Rectification, ResidentRating, Round, Sheet
from .permissions import can_view_rectification, may_view_rounds
from .states import PUBLIC_STATES, RoundStatus

# The unit's figures on the sheet, in the sheet's order: the dashboard's demand rates, then the suggestion rates.
DEMAND_RATES = ("resolution_rate", "on_time_rate", "satisfaction", "rework_rate")
SUGGESTION_RATES = ("reply_rate", "solution_rate")
RATES = DEMAND_RATES + SUGGESTION_RATES
RATE_LABELS = {
    "resolution_rate": gettext_lazy("Resolution rate (化解率)"), "on_time_rate": gettext_lazy("On-time rate (按期办结率)"),
    "satisfaction": gettext_lazy("Satisfaction (满意率)"), "rework_rate": gettext_lazy("Rework rate (重办率)"),
    "reply_rate": gettext_lazy("Reply rate (办复率)"), "solution_rate": gettext_lazy("Solution rate (解决率)"),
}
# The rework rate counts against a unit: its complement goes into the score.
INVERTED = frozenset({"rework_rate"})

# The composite score (docs/figures.md#evaluation-figures): weights of its three parts, and what a rating is worth.
WEIGHTS = {"figures": Fraction(40), "deputies": Fraction(40), "residents": Fraction(20)}
RATING_POINTS = {Rating.SATISFIED: Fraction(100), Rating.BASICALLY: Fraction(60), Rating.DISSATISFIED: Fraction(0)}
POSITIVE = (Rating.SATISFIED, Rating.BASICALLY)


def year_filters(year: int, department) -> DashboardFilters:
    """The dashboard's filters for one unit and one whole year."""
    return DashboardFilters(date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31), department=department)


def _figures_of(counts: demand_figures.Counts, suggestions: suggestion_figures.FigureRow) -> dict:
    result = {"received": counts.received, "closed": counts.closed}
    for name in DEMAND_RATES:
        rate = getattr(counts, name)
        result[name] = [rate.numerator, rate.denominator]
    for name in SUGGESTION_RATES:
        rate = getattr(suggestions, name)
        result[name] = [rate.numerator, rate.denominator]
    return result


def _year_demands(filters: DashboardFilters):
    return Demand.objects.filter(filters.period_q()).filter(filters.place_q())


def sheet_figures(department, year: int) -> dict:
    """The unit's own figures for `year`: {"received", "closed", rate name: [numerator, denominator]}. The demand
    counts are the dashboard's (supervise.figures.totals over the demands it counts for department=unit and the
    year), the suggestion rates those of the suggestion figures for the unit as lead department."""
    counts = demand_figures.totals(_year_demands(year_filters(year, department)))
    return _figures_of(counts, suggestion_figures.total(year=year, department=department.pk))


def units_figures(year: int) -> dict:
    """sheet_figures for every unit at once, {department id: figures}, from the dashboard's department breakdown and
    the suggestion figures by lead department: a page of many sheets costs the same few queries as one."""
    by_unit = demand_figures.breakdown(_year_demands(year_filters(year, None)), by="department")
    suggestions = {row.key: row for row in suggestion_figures.by_department(year=year)}
    keys = {k for k in by_unit if isinstance(k, int)} | set(suggestions)
    return {k: _figures_of(by_unit.get(k) or demand_figures.Counts(),
                           suggestions.get(k) or suggestion_figures.FigureRow(label="", key=k)) for k in keys}


def rating_counts(queryset) -> dict:
    rows = dict(queryset.values_list("rating").annotate(n=Count("pk")).values_list("rating", "n"))
    return {value: rows.get(value, 0) for value in Rating.values}


def _one_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _ratings_points(counts: dict) -> Fraction | None:
    total = sum(counts.values())
    if not total:
        return None
    return sum(RATING_POINTS[Rating(k)] * n for k, n in counts.items()) / total


def _figures_points(figures: dict) -> Fraction | None:
    shares = []
    for name in RATES:
        numerator, denominator = figures.get(name) or (0, 0)
        if denominator:
            share = Fraction(numerator, denominator)
            shares.append(1 - share if name in INVERTED else share)
    return sum(shares) * 100 / len(shares) if shares else None


@dataclass(frozen=True)
class Result:
    score: Decimal | None
    rated_satisfaction: Decimal | None


def composite(figures: dict, deputies: dict, residents: dict) -> Result:
    """The composite score (0–100, one decimal, half up) and the rated satisfaction (%); None where nothing counts.
    A part without data is left out and the weights of the others scale up to 100."""
    parts = {"figures": _figures_points(figures), "deputies": _ratings_points(deputies),
             "residents": _ratings_points(residents)}
    present = {k: v for k, v in parts.items() if v is not None}
    score = None
    if present:
        weight = sum(WEIGHTS[k] for k in present)
        score = _one_decimal(sum(WEIGHTS[k] * v for k, v in present.items()) / weight)
    rated = sum(deputies.values()) + sum(residents.values())
    positive = sum(deputies.get(k, 0) + residents.get(k, 0) for k in POSITIVE)
    satisfaction = _one_decimal(Fraction(positive * 100, rated)) if rated else None
    return Result(score=score, rated_satisfaction=satisfaction)


def is_below(round_, result: Result) -> bool:
    return ((result.score is not None and result.score < round_.min_score)
            or (result.rated_satisfaction is not None and result.rated_satisfaction < round_.min_satisfaction))


# ---------------------------------------------------------------- reading a round


@dataclass
class SheetView:
    """A sheet as the pages show it: frozen once counted, live while the round is open."""

    sheet: Sheet
    figures: dict
    deputies: dict
    residents: dict
    result: Result
    below: bool

    @property
    def rates(self) -> list[tuple[str, Rate]]:
        return [(name, Rate(*self.figures.get(name, (0, 0)))) for name in RATES]

    @property
    def labelled_rates(self) -> list[tuple[str, Rate]]:
        return [(RATE_LABELS[name], rate) for name, rate in self.rates]

    @property
    def deputy_total(self) -> int:
        return sum(self.deputies.values())

    @property
    def resident_total(self) -> int:
        return sum(self.residents.values())


def _is_live(round_) -> bool:
    return round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN)


def _live_view(sheet: Sheet, figures: dict, deputies: dict, residents: dict) -> SheetView:
    result = composite(figures, deputies, residents)
    return SheetView(sheet, figures, deputies, residents, result, is_below(sheet.round, result))


def _frozen_view(sheet: Sheet) -> SheetView:
    return SheetView(sheet, sheet.figures, sheet.deputy_counts, sheet.resident_counts,
                     Result(sheet.score, sheet.rated_satisfaction), sheet.below_threshold)


def sheet_view(sheet: Sheet) -> SheetView:
    if not _is_live(sheet.round):
        return _frozen_view(sheet)
    return _live_view(sheet, sheet_figures(sheet.department, sheet.round.year),
                      rating_counts(sheet.deputy_ratings.all()), rating_counts(sheet.resident_ratings.all()))


def _counts_by_sheet(model, round_) -> dict:
    rows = (model.objects.filter(sheet__round=round_).order_by().values("sheet_id", "rating").annotate(n=Count("pk"))
            .values_list("sheet_id", "rating", "n"))
    result: dict = {}
    for sheet_id, rating, n in rows:
        result.setdefault(sheet_id, dict.fromkeys(Rating.values, 0))[rating] = n
    return result


def round_sheets(round_) -> list[SheetView]:
    """Every sheet of the round as sheet_view shows it, in a constant number of queries."""
    sheets = list(round_.sheets.select_related("department", "round").order_by("kind", "department__code"))
    if not _is_live(round_):
        return [_frozen_view(s) for s in sheets]
    figures = units_figures(round_.year)
    deputies, residents = _counts_by_sheet(DeputyRating, round_), _counts_by_sheet(ResidentRating, round_)
    none = dict.fromkeys(Rating.values, 0)
    return [_live_view(s, figures.get(s.department_id) or _figures_of(demand_figures.Counts(),
                                                                      suggestion_figures.FigureRow(label="", key=None)),
                       deputies.get(s.pk, none), residents.get(s.pk, none)) for s in sheets]


def _missing():
    return _("No such evaluation round.")


COMMENTS_SHOWN = 200


def round_comments(round_) -> list[dict]:
    """The raters' comments for the staff, newest first: the unit, who rated (a deputy or a resident, never which
    one) and the text."""
    rows = []
    for model, by in ((DeputyRating, _("Deputy")), (ResidentRating, _("Resident"))):
        for rating in (model.objects.filter(sheet__round=round_).exclude(comment="")
                       .select_related("sheet__department").order_by("-created_at")[:COMMENTS_SHOWN]):
            rows.append({"unit": rating.sheet.department, "by": by, "rating": rating.get_rating_display(),
                         "comment": rating.comment, "at": rating.created_at})
    return sorted(rows, key=lambda r: r["at"], reverse=True)[:COMMENTS_SHOWN]


def round_get(*, year) -> Round:
    round_ = Round.objects.filter(year=year).first() if isinstance(year, int) else None
    if round_ is None:
        raise NotFound(_missing())
    return round_


def round_get_public(*, year) -> Round:
    """What a visitor may open: a round open for rating, or published; a draft or one being counted is a 404."""
    round_ = round_get(year=year)
    if round_.status not in PUBLIC_STATES | {RoundStatus.OPEN}:
        raise NotFound(_missing())
    return round_


def round_current_public() -> Round | None:
    return (Round.objects.filter(status=RoundStatus.OPEN).order_by("-year").first()
            or Round.objects.filter(status__in=list(PUBLIC_STATES)).order_by("-year").first())


def public_rounds():
    return Round.objects.filter(status__in=[*PUBLIC_STATES, RoundStatus.OPEN]).order_by("-year")


def round_list(*, viewer):
    return Round.objects.order_by("-year") if may_view_rounds(viewer) else Round.objects.none()


# ---------------------------------------------------------------- rectifications


def rectification_list(*, viewer):
    """Supervisors see every unit's rectification; a unit's handlers their own unit's."""
    qs = Rectification.objects.select_related("sheet__department", "sheet__round").order_by(
        "-sheet__round__year", "status", "sheet__department__code")
    if may_view_rounds(viewer):
        return qs
    if is_staff_user(viewer) and viewer.role == Role.HANDLER and viewer.department_id:
        return qs.filter(sheet__department_id=viewer.department_id)
    return qs.none()


def rectification_get_for(*, viewer, pk) -> Rectification:
    rectification = (Rectification.objects.select_related("sheet__department", "sheet__round").filter(pk=pk).first()
                     if valid_pk(pk) else None)
    if rectification is None or not can_view_rectification(viewer, rectification):
        raise NotFound(_("No such rectification."))
    return rectification
