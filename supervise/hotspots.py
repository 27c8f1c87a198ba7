"""Hotspots (docs/figures.md#hotspots): category × place pairs rising against the previous period, and the period's frequent terms.

Rising score = (current − previous) / √(previous + 1). Counts of demands behave roughly like Poisson counts, whose
spread is about the square root of their mean; taking the previous period as the expected count, the score is about
how many standard deviations the current count sits above it (the +1 keeps an empty previous period finite). So a
large base that doubles outranks a tiny one that triples: 40 → 80 scores 6.2, 1 → 3 scores 1.4; 10 → 20 scores 3.0,
1 → 2 scores 0.7. A pair qualifies only with at least MIN_CURRENT demands in the current period and a positive score.

A demand counts where it is located (its township and grid), in its category, in the period it was received, whatever
its state now. Everything is scoped by demands.selectors.scope_q. "Received in the period" is the dashboard's and the
map's rule (figures.received_q), so the three pages give one total for one period.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from demands.models import Category, Demand
from demands.selectors import scope_q
from demands.text import top_terms
from grids.models import Grid, Township
from core.errors import InvalidInput

from . import figures, selectors
from .figures import local_day_start

MIN_CURRENT = 3
ROW_LIMIT = 20
TERM_SAMPLE = 5000  # the latest demands of the period whose contents are segmented for terms
TERM_LIMIT = 30
DEFAULT_DAYS = 30
MAX_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)  # before the platform, and far from the calendar's ends


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, today: dt.date | None = None) -> Period:
        end = today or timezone.localdate()
        return cls(end - dt.timedelta(days=days - 1), end)

    @classmethod
    def checked(cls, start: dt.date | None = None, end: dt.date | None = None) -> Period:
        """The period a query asks for: missing ends default to the last 30 days up to today; bad ones raise."""
        latest = timezone.localdate() + dt.timedelta(days=MAX_DAYS)
        for name, day in (("start", start), ("end", end)):
            if day is not None and not EARLIEST <= day <= latest:
                raise InvalidInput(field_errors={name: [_("Choose a date between %(first)s and %(last)s.") % {
                    "first": EARLIEST.isoformat(), "last": latest.isoformat()}]})
        end = end or timezone.localdate()
        start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise InvalidInput(field_errors={"start": [_("The start of the period must not be after its end.")]})
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(field_errors={"start": [_("Choose a period of at most %(days)s days.") % {
                "days": MAX_DAYS}]})
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    @property
    def since(self) -> dt.datetime:
        return local_day_start(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first moment after the period (exclusive bound)."""
        return local_day_start(self.end + dt.timedelta(days=1))

    def q(self, prefix: str = "") -> Q:
        """Received in this period: the dashboard's rule (figures.received_q)."""
        return figures.received_q(self.start, self.end, prefix=prefix)

    def as_query(self) -> dict:
        """The workbench parameters for "received in this period" (same local-day rule)."""
        return {"created_from": self.start.isoformat(), "created_to": self.end.isoformat()}


def rising_score(current: int, previous: int) -> float:
    """How far the current count sits above the previous one, in Poisson standard deviations (module docstring)."""
    return (current - previous) / math.sqrt(previous + 1)


def workbench_url(**params) -> str:
    """A link to the workbench list of everything the viewer may see, narrowed by `params` (demands.filters)."""
    return selectors.workbench_url({"tab": "all", **{k: v for k, v in params.items() if v not in (None, "")}})


@dataclass
class Hotspot:
    category: Category
    place: Township | Grid
    current: int
    previous: int
    url: str
    score: float = field(init=False)

    def __post_init__(self):
        self.score = round(rising_score(self.current, self.previous), 2)

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_percent(self) -> int | None:
        return None if not self.previous else round(100 * self.change / self.previous)


@dataclass
class Term:
    term: str
    count: int
    url: str


@dataclass
class Hotspots:
    period: Period
    previous: Period
    by_township: list[Hotspot]
    by_grid: list[Hotspot]
    terms: list[Term]
    term_sample: int  # how many demands' contents were segmented
    received: int  # demands received in the period (in scope and place)
    min_current: int = MIN_CURRENT


def _ranked(rows: list[Hotspot]) -> list[Hotspot]:
    rows.sort(key=lambda h: (-h.score, -h.current, h.category.code, getattr(h.place, "code", "")))
    return rows[:ROW_LIMIT]


def _rising(queryset, *group, period: Period) -> list[dict]:
    """One grouped query: counts in the period and the one before, for groups big enough and rising."""
    return list(
        queryset.values(*group)
        .annotate(current=Count("id", filter=period.q()), previous=Count("id", filter=~period.q()))
        .filter(current__gte=MIN_CURRENT, current__gt=F("previous"))
        .order_by()
    )


def hotspots(*, viewer, period: Period, township: Township | None = None, with_terms: bool = True) -> Hotspots:
    previous = period.previous()
    base = Demand.objects.filter(scope_q(viewer), created_at__gte=previous.since, created_at__lt=period.until)
    if township is not None:
        base = base.filter(township=township)
    located = base.filter(category__isnull=False)

    by_top = located.filter(township__isnull=False).annotate(top=Coalesce("category__parent_id", "category_id"))
    top_rows = _rising(by_top, "top", "township_id", period=period)
    # Sub-categories only: a top-level category's workbench filter also takes in its sub-categories.
    grid_rows = _rising(located.filter(grid__isnull=False, category__parent__isnull=False), "category_id", "grid_id",
                        period=period)
    category_ids = {r["top"] for r in top_rows} | {r["category_id"] for r in grid_rows}
    categories = Category.objects.select_related("parent").in_bulk(category_ids)
    townships = Township.objects.in_bulk({r["township_id"] for r in top_rows})
    grids = Grid.objects.select_related("community", "township").in_bulk({r["grid_id"] for r in grid_rows})
    span = period.as_query()

    by_township = _ranked([
        Hotspot(categories[r["top"]], townships[r["township_id"]], r["current"], r["previous"],
                workbench_url(category=r["top"], township=r["township_id"], **span))
        for r in top_rows
    ])
    by_grid = _ranked([
        Hotspot(categories[r["category_id"]], grids[r["grid_id"]], r["current"], r["previous"],
                workbench_url(category=r["category_id"], grid=grids[r["grid_id"]].code, **span))
        for r in grid_rows
    ])

    current = base.filter(period.q())
    terms, sample = [], 0
    if with_terms:
        contents = list(current.order_by("-created_at", "-id").values_list("content", flat=True)[:TERM_SAMPLE])
        sample = len(contents)
        terms = [Term(term, count, workbench_url(q=term, township=township.pk if township else None, **span))
                 for term, count in top_terms(contents, n=TERM_LIMIT)]
    return Hotspots(period=period, previous=previous, by_township=by_township, by_grid=by_grid, terms=terms,
                    term_sample=sample, received=current.count())
