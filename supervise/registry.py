"""The figure registry: every dashboard figure is defined here once (docs/figures.md#demand-figures).

One entry per figure. A *count* says which demands it counts as a small condition (``where``) from which both the
ORM filter (``Count.q``) and the SQL of the ledger's triggers (``condition_sql``) are generated, so the two cannot
disagree; it also carries its label (the export's column header), the workbench parameters that list exactly what
it counts (``link``) and, when the dashboard shows it on a card of its own, its definition. A *sum* of durations
and the *rates* and *means* are built from counts by name. ``KEYS`` are the dimensions the ledger keeps and
``SLICES`` which combinations of them it keeps at which grain (day, month): that is where the cost of the
dashboard's reads is traded against the rows each write adds (supervise/rollup.py).

Nothing here imports a model: an app may add a figure while Django is still loading (tests/scratch_figure), before
the ledger's model (whose columns follow ``COUNTS`` and ``SUMS``) is built. Values are written out as the
database stores them; tests/test_figure_registry.py checks each against the model's choices.

Adding a figure: append a ``Count`` (and a rate or mean that uses it), run ``manage.py makemigrations supervise``
(the ledger's new column) and ``manage.py figure_triggers`` (a migration holding the new trigger SQL as text).
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- conditions: one text, two languages


@dataclass(frozen=True)
class Cond:
    """One comparison on a column of the demands table."""

    column: str
    op: str  # "=", "<>", "in", "null", "not null", ">", "<= column", "true"
    value: Any = None

    def q(self) -> Q:
        c, v = self.column, self.value
        return {
            "=": lambda: Q(**{c: v}),
            "<>": lambda: ~Q(**{c: v}),
            "in": lambda: Q(**{f"{c}__in": list(v)}),
            "null": lambda: Q(**{f"{c}__isnull": True}),
            "not null": lambda: Q(**{f"{c}__isnull": False}),
            ">": lambda: Q(**{f"{c}__gt": v}),
            "<= column": lambda: Q(**{f"{c}__lte": F(v)}),
            "true": lambda: Q(**{c: True}),
        }[self.op]()

    def sql(self, r: str) -> str:
        c, v = f"{r}.{self.column}", self.value
        if self.op == "in":
            return f"{c} IN ({', '.join(_literal(x) for x in v)})"
        return {
            "=": lambda: f"{c} = {_literal(v)}",
            "<>": lambda: f"{c} <> {_literal(v)}",
            "null": lambda: f"{c} IS NULL",
            "not null": lambda: f"{c} IS NOT NULL",
            ">": lambda: f"{c} > {_literal(v)}",
            "<= column": lambda: f"{c} <= {r}.{v}",
            "true": lambda: f"{c}",
        }[self.op]()

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.value) if self.op == "<= column" else (self.column,)


def _literal(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"unsupported literal {value!r}")
    if isinstance(value, int):
        return str(value)
    if "'" in value or "\\" in value:
        raise ValueError(f"unsupported literal {value!r}")
    return f"'{value}'"


def eq(column, value):
    return Cond(column, "=", value)


def ne(column, value):
    return Cond(column, "<>", value)


def one_of(column, *values):
    return Cond(column, "in", tuple(values))


def is_null(column):
    return Cond(column, "null")


def not_null(column):
    return Cond(column, "not null")


def gt(column, value):
    return Cond(column, ">", value)


def at_most(column, other_column):
    return Cond(column, "<= column", other_column)


def is_true(column):
    return Cond(column, "true")


def where_q(where: tuple[Cond, ...]) -> Q:
    q = Q()
    for cond in where:
        q &= cond.q()
    return q


def where_sql(where: tuple[Cond, ...], r: str) -> str:
    return " AND ".join(cond.sql(r) for cond in where) if where else "1 = 1"


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Count:
    """A count of demands: one ledger column."""

    name: str
    where: tuple[Cond, ...]
    label: Any  # the export's column header (and the card's name when `definition` is set)
    link: dict | None  # workbench parameters listing exactly these demands; None: not shown on its own
    definition: Any = None  # set: the dashboard shows it on a card with this definition

    @property
    def q(self) -> Q:
        return where_q(self.where)

    @property
    def shown(self) -> bool:
        return self.link is not None


@dataclass(frozen=True)
class Sum:
    """A sum of durations (end − start) over the demands a count counts, in microseconds in the ledger."""

    name: str
    end: str
    start: str
    over: str  # a Count's name

    @property
    def column(self) -> str:
        return f"{self.name}_us"


@dataclass(frozen=True)
class RateFigure:
    name: str
    numerator: str
    denominator: str
    label: Any  # the card's name
    export_label: Any
    definition: Any


@dataclass(frozen=True)
class MeanFigure:
    name: str
    sum: str
    count: str
    label: Any
    export_label: Any
    definition: Any


@dataclass(frozen=True)
class BoardFigure:
    """A figure of the overdue board (open demands now, whatever the period): not kept in the ledger."""

    name: str
    label: Any
    definition: Any


POSITIVE_RATINGS = ("satisfied", "basically_satisfied")

# In the export's column order; a rate or mean follows the counts it is made of.
FIGURES: list = [
    Count("received", (), _("Received"), {},
          _("Demands received in the period (by date received), whatever their state.")),
    Count("closed", (eq("status", "closed"),), _("Closed"), {"status": "closed"},
          _("Received in the period and now closed: rated, closed unrated or closed by a supervisor. Rejected and "
            "merged demands are not closed.")),
    Count("closed_solved", (eq("status", "closed"), eq("outcome", "solved")), _("Closed and solved"),
          {"status": "closed", "outcome": "solved"}),
    RateFigure("resolution_rate", "closed_solved", "closed", _("Resolution rate (化解率)"),
               _("Resolution rate (%)"), _("Closed with the outcome “solved” ÷ closed.")),
    Count("resolved", (not_null("resolved_at"),), _("Resolved"), {"resolved": "yes"}),
    Count("on_time", (not_null("resolved_at"), not_null("resolve_deadline"), at_most("resolved_at", "resolve_deadline")),
          _("Resolved on time"), {"resolved": "on_time"}),
    RateFigure("on_time_rate", "on_time", "resolved", _("On-time rate (按期办结率)"), _("On-time rate (%)"),
               _("Resolved on or before the resolve deadline ÷ resolved (a result was reported).")),
    Count("rated", (ne("rating", ""),), _("Rated"), {"rating": "rated"}),
    Count("satisfied", (one_of("rating", *POSITIVE_RATINGS),), _("Satisfied or basically satisfied"),
          {"rating": "positive"}),
    RateFigure("satisfaction", "satisfied", "rated", _("Satisfaction (满意率)"), _("Satisfaction (%)"),
               _("(Satisfied + basically satisfied) ÷ rated. Demands closed without a rating are left out.")),
    RateFigure("rating_coverage", "rated", "closed", _("Rating coverage"), _("Rating coverage (%)"),
               _("Rated ÷ closed.")),
    Count("solved", (eq("outcome", "solved"),), _("Solved"), {"outcome": "solved"}),
    Count("solved_locally", (eq("outcome", "solved"), is_true("resolved_by_grid"), is_null("unit_department_id")),
          _("Solved locally"), {"outcome": "solved", "solved_locally": "1"}),
    RateFigure("local_resolution", "solved_locally", "solved", _("Local resolution (就地化解率)"),
               _("Local resolution (%)"), _("Solved by a grid worker without a department ÷ solved.")),
    Count("reworked", (not_null("resolved_at"), gt("rework_count", 0)), _("Re-handled"),
          {"resolved": "yes", "reworked": "1"}),
    RateFigure("rework_rate", "reworked", "resolved", _("Rework rate (重办率)"), _("Rework rate (%)"),
               _("Resolved demands that were re-handled at least once ÷ resolved.")),
    Count("consultations", (eq("type", "consultation"),), _("Consultations"), {"type": "consultation"}),
    Count("consultations_24h", (eq("type", "consultation"), is_true("answered_in_24h")),
          _("Consultations answered within 24 hours"), {"type": "consultation", "answered_in_24h": "1"}),
    RateFigure("consultation_24h_rate", "consultations_24h", "consultations",
               _("24-hour answer rate (咨询24小时答复率)"), _("24-hour answer rate (%)"),
               _("Consultations answered within 24 hours of receipt (not of dispatch) ÷ consultations received. "
                 "One received in the last 24 hours counts as not yet answered until it is.")),
    Count("accepted", (not_null("accepted_at"), not_null("dispatched_at")), _("Accepted"), None),
    Sum("accept_time", "accepted_at", "dispatched_at", over="accepted"),
    Sum("resolve_time", "resolved_at", "created_at", over="resolved"),
    MeanFigure("mean_time_to_accept", "accept_time", "accepted", _("Mean time to accept"),
               _("Mean time to accept (h)"), _("Average time from dispatch to acceptance by the unit.")),
    MeanFigure("mean_time_to_resolve", "resolve_time", "resolved", _("Mean time to resolve"),
               _("Mean time to resolve (h)"), _("Average time from receipt to the reported result.")),
    # The call-backs (回访), per demand (件) as 12345 centres count them: row flags the revisits app keeps
    # (demands.Demand.callback_*, revisits.services.refresh_callback_flags).
    Count("callback_due", (is_true("callback_due"),), _("Call-back due"), {"callback": "due"}),
    Count("callback_reached", (is_true("callback_reached"),), _("Call-back reached the resident"),
          {"callback": "reached"}),
    RateFigure("revisit_rate", "callback_reached", "callback_due", _("Call-back rate (回访率)"),
               _("Call-back rate (%)"),
               _("Demands whose call-back reached the resident ÷ demands with a call-back due (after each reply and "
                 "each dissatisfied rating), counting each demand once however many call-backs it had; demands "
                 "without a phone number, and call-backs closed as not callable, are left out.")),
    Count("callback_compared", (is_true("callback_compared"),), _("Rated, with a call-back in the same round"),
          {"callback": "compared"}),
    Count("callback_agrees", (is_true("callback_agrees"),), _("Call-back agrees with the rating"),
          {"callback": "agrees"}),
    RateFigure("revisit_agreement", "callback_agrees", "callback_compared", _("Call-back agreement"),
               _("Call-back agreement (%)"),
               _("Of the rated demands with a call-back that reached the resident in the same round: those where "
                 "the resident's view on the latest such call-back is on the same side as the rating (satisfied or "
                 "basically satisfied, or dissatisfied).")),
]

BOARD = [
    BoardFigure("overdue", _("Overdue now"),
                _("Open demands held by a unit past their resolve deadline, whenever they were received.")),
    BoardFigure("escalation", _("Escalation levels"),
                _("Open demands held by a unit at each escalation level now: warning (three quarters of the time "
                  "spent), overdue, supervised.")),
]


_CACHE: dict = {}


def register(*entries) -> None:
    """Add figures (an app's own, or a test's) before the ledger's model is built; see the module's docstring."""
    names = {getattr(e, "name", None) for e in FIGURES}
    for entry in entries:
        if entry.name in names:
            raise ValueError(f"figure {entry.name!r} is defined twice")
        FIGURES.append(entry)
        names.add(entry.name)
    _CACHE.clear()


def _of(kind) -> tuple:
    if kind not in _CACHE:
        _CACHE[kind] = tuple(f for f in FIGURES if isinstance(f, kind))
    return _CACHE[kind]


def counts() -> tuple[Count, ...]:
    return _of(Count)


def sums() -> tuple[Sum, ...]:
    return _of(Sum)


def rates() -> tuple[RateFigure, ...]:
    return _of(RateFigure)


def means() -> tuple[MeanFigure, ...]:
    return _of(MeanFigure)


def by_name(name: str):
    for f in [*FIGURES, *BOARD]:
        if f.name == name:
            return f
    raise KeyError(name)


def defined() -> list:
    """The figures shown with their definition, in the page's order: the cards, then the board."""
    return [f for f in FIGURES if getattr(f, "definition", None) is not None] + BOARD


# ---------------------------------------------------------------- the ledger's keys


@dataclass(frozen=True)
class Key:
    """A dimension the ledger keeps: `sql` is its value as text ('' for none) on a demands row alias {r}."""

    name: str
    sql: str
    columns: tuple[str, ...]


KEYS = {
    # The department holding it; the demands no department holds, by who holds them instead (figures.HELD_BY_*).
    "department": Key("department", "COALESCE(CAST({r}.unit_department_id AS TEXT), CASE WHEN {r}.unit_grid_id IS "
                                    "NOT NULL THEN 'grid' WHEN {r}.unit_deputy_id IS NOT NULL THEN 'deputy' ELSE '' "
                                    "END)", ("unit_department_id", "unit_grid_id", "unit_deputy_id")),
    # The top-level category (the parent, or the category itself when it has none), as figures.BREAKDOWN_KEYS.
    "category": Key("category", "COALESCE(CAST((SELECT COALESCE(c.parent_id, c.id) FROM demands_category c "
                                "WHERE c.id = {r}.category_id) AS TEXT), '')", ("category_id",)),
    "subcategory": Key("subcategory", "COALESCE(CAST({r}.category_id AS TEXT), '')", ("category_id",)),
    "channel": Key("channel", "{r}.channel", ("channel",)),
    "grid": Key("grid", "COALESCE(CAST({r}.grid_id AS TEXT), '')", ("grid_id",)),
}


@dataclass(frozen=True)
class Slice:
    """Rows the ledger keeps per bucket: `keys` (a filter's key first, then a breakdown's), with or without the
    township, at the grains named (d: day, m: month). A demand adds one row to each slice and grain."""

    keys: tuple[str, ...]
    township: bool = True
    grains: str = "dm"

    @property
    def name(self) -> str:
        """The keys, filter first; "*" before those kept for the whole district only."""
        return ("" if self.township else "*") + ">".join(self.keys)


_FILTERS = ("department", "category", "subcategory", "channel")
_SMALL = ("department", "category", "channel")  # breakdowns with few values
SLICES = [
    # The whole district by day, alone and by each key with few values: a year's trend by day or week for the
    # district reads a row a day, not one per township.
    Slice((), township=False, grains="d"),
    *(Slice((k,), township=False, grains="d") for k in _FILTERS),
    # The whole district or a township; and each key alone (a filter by township, a breakdown without a filter).
    Slice(()),
    *(Slice((k,)) for k in KEYS),
    # One filter and a breakdown by another key, for the whole district. A few dozen values per day each.
    *(Slice((f, b), township=False) for f in _FILTERS for b in _SMALL if f != b),
    # One filter and the grids: a grid lies in one township, so the township costs no rows. Grids outnumber the
    # other keys tenfold: a sub-category (a few dozen demands a day) keeps them by month only, and a period's
    # partial months are counted from its demands.
    *(Slice((f, "grid"), grains="m" if f == "subcategory" else "dm") for f in _FILTERS),
]


def find_slice(keys: tuple[str, ...], *, township: bool, grains: str = "") -> Slice | None:
    """The first slice of these keys, with the township if asked, kept at least at `grains`."""
    for s in SLICES:
        if s.keys == keys and (s.township or not township) and all(g in s.grains for g in grains):
            return s
    return None


def watched_columns() -> list[str]:
    """Every column a figure, a bucket or a key depends on: an update touching none of them changes nothing."""
    result = ["created_at", "township_id"]
    for f in counts():
        for cond in f.where:
            result.extend(cond.columns)
    for s in sums():
        result.extend((s.end, s.start))
    for k in KEYS.values():
        result.extend(k.columns)
    return list(dict.fromkeys(result))
