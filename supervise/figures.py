"""Demand figures (docs/figures.md#demand-figures), defined once and computed the same way for the dashboard page, its JSON API, the
exports and the public statistics.

Which demands count: those *received* in the period (``received_q``), i.e. whose ``created_at`` falls on a local day
(Asia/Shanghai) from ``date_from`` to ``date_to`` inclusive, narrowed by the other filters and by what the viewer may
see (``demands.selectors.scope_q``). Each count below is of those demands, in their state *now*. The dashboard, the
map of grids and the hotspots all count "received in the period" with ``received_q``, so for the same period and
viewer they show the same total (the map counts demands located in no grid on a row of their own).

- received: every demand created in the period, whatever its state (rejected, merged and withdrawn included).
- closed: status "closed" (rated, closed unrated after the rating window, or closed by a supervisor). Rejected,
  merged and withdrawn demands are terminal but *not* closed.
- 化解率 resolution rate = closed with outcome "solved" / closed.
- resolved: a result has been reported (``resolved_at`` set): states resolved, verified and closed. A reopened
  demand is not resolved until its handler reports again.
- 按期办结率 on-time rate = resolved with ``resolved_at`` ≤ ``resolve_deadline`` / resolved (a resolved demand
  without a deadline is not on time).
- 满意率 satisfaction = (satisfied + basically satisfied) / rated, where rated means the resident chose a rating.
  A demand closed unrated is not counted at all (never as satisfied); rating coverage = rated / closed is shown
  beside it.
- solved: the handler's reported outcome is "solved" (resolved, verified or closed).
- 就地化解率 local resolution = solved by a grid worker with no department holding it (``resolved_by_grid`` and
  no ``unit_department``) / solved.
- 重办率 rework rate = resolved demands that were re-handled at least once (``rework_count`` > 0) / resolved. A
  demand being re-handled right now counts again once it is resolved again, so the rate never exceeds 100 %.
- mean time to accept = mean of ``accepted_at`` − ``dispatched_at`` over demands accepted (of their current
  dispatch); mean time to resolve = mean of ``resolved_at`` − ``created_at`` over resolved demands.
- overdue now and the escalation levels are a picture of *now*: open demands held by a unit (dispatched or
  accepted) that are past their resolve deadline (``demands.filters.overdue_q``), and those at escalation level 1
  warning / 2 overdue / 3 supervised. They ignore the period (a demand received last year may be overdue today)
  but follow every other filter.

A rate whose denominator is zero is None and shown as "—", never as 0 %.

Trends put each demand in the day, ISO week (Monday) or month of its ``created_at``; "closed" and "solved" in a
bucket are of the demands received in that bucket. Breakdown rows group the same demands by one key (township,
department holding the demand, top-level category, channel or location grid). The department breakdown counts
department-held demands under each department; the demands no department holds are split on rows of their own by who
holds them instead (a grid, a deputy, or no unit yet: waiting for dispatch, rejected or merged), never lumped under
"not set".

The headline, the trend and one breakdown come from ONE grouped query (bucket × breakdown key) summed in Python:
the counts add up exactly, and the means are carried as sums and counts. The overdue board is a second small
query over open demands only.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from demands.escalation import LEVEL_NAMES
from demands.filters import overdue_q
from demands.states import HANDLING_STATES
from core.rates import Rate

from . import registry

HANDLING = list(HANDLING_STATES)
POSITIVE_RATINGS = list(registry.POSITIVE_RATINGS)


def local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def received_q(date_from: dt.date, date_to: dt.date, *, prefix: str = "") -> Q:
    """Received in the period: created on a local day from `date_from` to `date_to`, both included, whatever the
    demand's state now (rejected and merged included) and wherever it is located (in a grid or not). The one rule the
    dashboard, the map and the hotspots count "received" by."""
    return Q(**{f"{prefix}created_at__gte": local_day_start(date_from),
                f"{prefix}created_at__lt": local_day_start(date_to + dt.timedelta(days=1))})


def _duration(end: str, start: str):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


# The counts every figure is made of, from the figure registry: each is a conditional count over the filtered demands.
COUNT_FILTERS = {c.name: c.q for c in registry.counts()}
COUNTS = {name: Count("created_at", filter=q) if q else Count("created_at") for name, q in COUNT_FILTERS.items()}
# Means travel as sums so that groups add up; divided by their counts ("accepted", "resolved") at the end.
SUMS = {s.name: Sum(_duration(s.end, s.start), filter=COUNT_FILTERS[s.over]) for s in registry.sums()}
AGGREGATES = {**COUNTS, **SUMS}


def _as_timedelta(value) -> dt.timedelta:
    if value is None:
        return dt.timedelta(0)
    if isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=int(value))  # SQLite may hand back microseconds


class Counts:
    """The raw counts (and sums of durations) of one group of demands, one attribute per count and sum of the
    figure registry; every figure derives from these: ``counts.resolution_rate`` is a Rate, ``counts.
    mean_time_to_accept`` a timedelta or None, as the registry's rates and means define them."""

    def __init__(self, **values):
        mine = self.__dict__
        for c in registry.counts():
            mine[c.name] = values.pop(c.name, 0)
        for s in registry.sums():
            mine[s.name] = values.pop(s.name, None) or dt.timedelta()
        if values:
            raise TypeError(f"unknown counts: {sorted(values)}")

    @classmethod
    def from_row(cls, row: dict) -> "Counts":
        values = {name: row.get(name) or 0 for name in COUNTS}
        return cls(**values, **{name: _as_timedelta(row.get(name)) for name in SUMS})

    def add(self, other: "Counts") -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in AGGREGATES:
            mine[name] += theirs[name]

    def __getattr__(self, name):
        # Only for names that are not attributes: the rates and means of the registry.
        if name.startswith("_"):
            raise AttributeError(name)
        for rate in registry.rates():
            if rate.name == name:
                return Rate(getattr(self, rate.numerator), getattr(self, rate.denominator))
        for mean in registry.means():
            if mean.name == name:
                count = getattr(self, mean.count)
                return getattr(self, mean.sum) / count if count else None
        raise AttributeError(name)

    def __eq__(self, other):
        return isinstance(other, Counts) and vars(self) == vars(other)

    def __repr__(self):
        return f"Counts({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


@dataclass
class Board:
    """Open demands held by a unit now: overdue, and how many sit at each escalation level."""

    overdue: int = 0
    levels: dict = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    oldest: dict = field(default_factory=lambda: {1: [], 2: [], 3: []})


# What each figure means, for the page ("definition at hand"), the API and the export: from the registry.
DEFINITIONS = {f.name: (f.label, f.definition) for f in registry.defined()}
# The board's columns; the same words the workbench and the exports use for a demand's level (0 is "none").
LEVEL_LABELS = {level: LEVEL_NAMES[level] for level in (1, 2, 3)}


def totals(queryset) -> Counts:
    """Every count over `queryset` in one aggregate query."""
    return Counts.from_row(queryset.aggregate(**AGGREGATES))


# ---------------------------------------------------------------- trends and breakdowns

GRANULARITIES = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def auto_granularity(date_from: dt.date, date_to: dt.date) -> str:
    days = (date_to - date_from).days + 1
    return "day" if days <= 62 else "week" if days <= 190 else "month"


def bucket_start(value, granularity: str) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def bucket_end(start: dt.date, granularity: str) -> dt.date:
    if granularity == "day":
        return start
    if granularity == "week":
        return start + dt.timedelta(days=6)
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def buckets(date_from: dt.date, date_to: dt.date, granularity: str) -> list[dt.date]:
    """Every bucket the period touches, so that empty days still show as zero."""
    result, start = [], bucket_start(date_from, granularity)
    while start <= date_to:
        result.append(start)
        start = bucket_end(start, granularity) + dt.timedelta(days=1)
    return result


# Breakdown keys: the column grouped on.
BREAKDOWN_KEYS = {
    "township": F("township_id"),
    "department": F("unit_department_id"),
    "category": Coalesce("category__parent_id", "category_id"),
    "channel": F("channel"),
    "grid": F("grid_id"),
}


@dataclass
class Grouped:
    total: Counts
    trend: dict  # bucket start date -> Counts
    rows: dict  # breakdown key -> Counts

    def add(self, other: "Grouped") -> None:
        self.total.add(other.total)
        for mine, theirs in ((self.trend, other.trend), (self.rows, other.rows)):
            for key, counts in theirs.items():
                mine.setdefault(key, Counts()).add(counts)


def grouped(queryset, *, granularity: str, by: str) -> Grouped:
    """Headline, trend and one breakdown from ONE query grouped by (bucket, key)."""
    trunc = GRANULARITIES[granularity]("created_at", tzinfo=timezone.get_current_timezone())
    rows = (queryset.order_by().values(bucket=trunc, key=BREAKDOWN_KEYS[by]).annotate(**AGGREGATES)
            .values_list("bucket", "key", *AGGREGATES))
    rows = _without_jit(rows)
    names = list(AGGREGATES)
    total, trend, by_key = Counts(), {}, {}
    for bucket, key, *values in rows:
        counts = Counts.from_row(dict(zip(names, values)))
        total.add(counts)
        trend.setdefault(bucket_start(timezone.localtime(bucket) if isinstance(bucket, dt.datetime)
                                      and timezone.is_aware(bucket) else bucket, granularity), Counts()).add(counts)
        by_key.setdefault(key, Counts()).add(counts)
    return Grouped(total=total, trend=trend, rows=by_key)


def _without_jit(queryset) -> list:
    """Run a year-wide aggregate without PostgreSQL's JIT: compiling it costs 70-100 ms, more than it saves on a
    query of a few hundred milliseconds (bench/dashboard.py). SET LOCAL ends with the transaction."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    with transaction.atomic(using=queryset.db):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return list(queryset)


def breakdown(queryset, *, by: str) -> dict:
    """One breakdown on its own (exports): key -> Counts."""
    rows = queryset.order_by().values(key=BREAKDOWN_KEYS[by]).annotate(**AGGREGATES).values_list("key", *AGGREGATES)
    names = list(AGGREGATES)
    result = {key: Counts.from_row(dict(zip(names, values))) for key, *values in _without_jit(rows)}
    return split_not_held_by_a_department(result, queryset) if by == "department" else result


# The department breakdown's rows for demands no department holds: who holds them instead. None: no unit at all.
HELD_BY_GRID, HELD_BY_DEPUTY = "grid", "deputy"


def not_held_by_a_department(queryset) -> dict:
    """Demands of `queryset` no department holds, by who holds them: HELD_BY_GRID, HELD_BY_DEPUTY or None (not
    dispatched: waiting, returned, rejected or merged) -> Counts. One grouped query."""
    holder = Case(When(unit_grid_id__isnull=False, then=Value(HELD_BY_GRID)),
                  When(unit_deputy_id__isnull=False, then=Value(HELD_BY_DEPUTY)), default=Value(""))
    rows = (queryset.filter(unit_department_id__isnull=True).order_by().values(key=holder).annotate(**AGGREGATES)
            .values_list("key", *AGGREGATES))
    names = list(AGGREGATES)
    return {key or None: Counts.from_row(dict(zip(names, values))) for key, *values in _without_jit(rows)}


def split_not_held_by_a_department(rows: dict, queryset) -> dict:
    """A department breakdown (department id -> Counts) whose None row, the demands no department holds, is replaced
    by rows per holder (not_held_by_a_department). Costs a query only when there is such a row."""
    if None not in rows:
        return rows
    result = {key: counts for key, counts in rows.items() if key is not None}
    result.update(not_held_by_a_department(queryset))
    return result


def grouped_in_bucket(queryset, *, bucket: dt.date, by: str) -> Grouped:
    """grouped() for demands known to lie in one trend bucket: grouped by the key alone, no truncation per row."""
    rows = breakdown(queryset, by=by)
    total, in_bucket = Counts(), Counts()
    for counts in rows.values():
        total.add(counts)
        in_bucket.add(counts)
    return Grouped(total=total, trend={bucket: in_bucket} if total.received else {}, rows=rows)


# ---------------------------------------------------------------- overdue board

OLDEST_PER_LEVEL = 10


def board(queryset) -> Board:
    """Open demands held by a unit (period ignored): overdue now, per escalation level, and the oldest ones."""
    handling = queryset.filter(status__in=HANDLING)
    counts = handling.aggregate(
        overdue=Count("escalation_level", filter=overdue_q()),
        **{f"level_{n}": Count("escalation_level", filter=Q(escalation_level=n)) for n in (1, 2, 3)},
    )
    result = Board(overdue=counts["overdue"] or 0, levels={n: counts[f"level_{n}"] or 0 for n in (1, 2, 3)})
    for level in (1, 2, 3):
        if result.levels[level]:
            result.oldest[level] = list(
                handling.filter(escalation_level=level)
                .select_related("unit_grid", "unit_department", "unit_deputy", "township")
                .only("pk", "created_at", "resolve_deadline", "status", "escalation_level", "township__name",
                      "unit_grid__name", "unit_department__short_name", "unit_department__name",
                      "unit_deputy__name", "unit_deputy__level")
                .order_by("resolve_deadline", "pk")[:OLDEST_PER_LEVEL])
    return result
