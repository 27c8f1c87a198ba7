"""What the dashboard counts: the demands a viewer may see, narrowed by the dashboard's filters."""

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.models import Department
from demands.models import Category, Channel, Demand
from core.actors import is_staff_user
from demands.selectors import scope_q
from grids.models import Grid, MicroGrid, Township

from . import figures, registry, rollup
from .figures import local_day_start  # noqa: F401  (where hotspots and the bench have always imported it from)


def may_view_dashboard(user) -> bool:
    """Dispatchers and supervisors (a township's or the district's) and superusers."""
    return is_staff_user(user) and (user.is_superuser or user.role in (Role.DISPATCHER, Role.SUPERVISOR))


def require_dashboard_viewer(user) -> None:
    if not may_view_dashboard(user):
        raise Http404


@dataclass(frozen=True)
class DashboardFilters:
    date_from: dt.date
    date_to: dt.date
    township: Township | None = None
    grid: Grid | None = None
    department: Department | None = None
    category: Category | None = None
    channel: str = ""
    type: str = ""  # demand type: the 24-hour promise is read with type=consultation
    micro_grid: MicroGrid | None = None  # located in it (微网格)

    @classmethod
    def default(cls) -> "DashboardFilters":
        today = timezone.localdate()
        return cls(date_from=today.replace(month=1, day=1), date_to=today)

    def place_q(self) -> Q:
        """Every filter but the period."""
        q = Q()
        if self.township is not None:
            q &= Q(township_id=self.township.pk)
        if self.grid is not None:
            q &= Q(grid_id=self.grid.pk)
        if self.department is not None:
            q &= Q(unit_department_id=self.department.pk)
        if self.category is not None:
            q &= Q(category_id__in=self.category_ids)
        if self.channel:
            q &= Q(channel=self.channel)
        if self.type:
            q &= Q(type=self.type)
        if self.micro_grid is not None:
            q &= Q(micro_grid_id=self.micro_grid.pk)
        return q

    @cached_property
    def category_ids(self) -> list[int]:
        """The category filtered on and its children (a top level includes its sub-categories): one small query,
        so that the demands are filtered on their own column, no join."""
        return [self.category.pk, *Category.objects.filter(parent_id=self.category.pk).values_list("pk", flat=True)]

    def period_q(self) -> Q:
        return figures.received_q(self.date_from, self.date_to)

    def link_params(self, *, period: bool = True) -> dict:
        """The same filters as workbench query parameters (demands.filters.WorkbenchFilter)."""
        params = {"tab": "all"}
        if period:
            params["created_from"] = self.date_from.isoformat()
            params["created_to"] = self.date_to.isoformat()
        if self.township is not None:
            params["township"] = self.township.pk
        if self.grid is not None:
            params["located_in"] = self.grid.code
        if self.department is not None:
            params["unit"] = f"department:{self.department.pk}"
        if self.category is not None:
            params["category"] = self.category.pk
        if self.channel:
            params["channel"] = self.channel
        if self.type:
            params["type"] = self.type
        if self.micro_grid is not None:
            params["micro_grid"] = self.micro_grid.code
        return params


def scoped_demands(viewer) -> QuerySet:
    return Demand.objects.filter(scope_q(viewer))


def period_demands(viewer, filters: DashboardFilters) -> QuerySet:
    """Demands the figures count: received in the period, within the viewer's scope and the filters."""
    return scoped_demands(viewer).filter(filters.period_q()).filter(filters.place_q())


def board_demands(viewer, filters: DashboardFilters) -> QuerySet:
    """Demands the overdue board looks at: the same filters without the period."""
    return scoped_demands(viewer).filter(filters.place_q())


# ---------------------------------------------------------------- the dashboard's report
# One structure for the page, the JSON API and the exports: numbers, what they mean, and where they link.

# Workbench parameters that list exactly what each count counts (on top of the dashboard's own filters), and
# rate name -> (numerator count, denominator count): both from the figure registry.
COUNT_LINKS = {c.name: c.link for c in registry.counts() if c.shown}
RATES = {r.name: (r.numerator, r.denominator) for r in registry.rates()}
MEANS = [m.name for m in registry.means()]


def workbench_url(params: dict) -> str:
    return f"{reverse('demands:workbench')}?{urlencode(params)}"


class Links:
    """workbench_url for many lists that share one set of filters: the filters are encoded once, and each count's
    own parameters once per process (the dashboard's report carries some 700 links)."""

    _encoded: dict = {}

    def __init__(self, base: dict):
        self.prefix = f"{reverse('demands:workbench')}?{urlencode(base)}"
        self.base = base

    def url(self, extra: dict) -> str:
        if not extra:
            return self.prefix
        if any(key in self.base for key in extra):
            return workbench_url({**self.base, **extra})
        key = tuple(extra.items())
        encoded = Links._encoded.get(key)
        if encoded is None:
            encoded = Links._encoded[key] = urlencode(extra)
        return f"{self.prefix}&{encoded}"


def hours(value) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def hours_display(value) -> str:
    return "—" if value is None else _("%(hours)s h") % {"hours": f"{value.total_seconds() / 3600:.1f}"}


def _count(counts, name, links: Links) -> dict:
    return {"value": getattr(counts, name), "link": links.url(COUNT_LINKS[name])}


def _rate(counts, name, links: Links | None) -> dict:
    numerator, denominator = RATES[name]
    rate = getattr(counts, name)
    result = {"value": rate.value, "display": rate.display, "numerator": rate.numerator,
              "denominator": rate.denominator}
    if links is not None:
        result["numerator_link"] = links.url(COUNT_LINKS[numerator])
        result["denominator_link"] = links.url(COUNT_LINKS[denominator])
    return result


def counts_as_dict(counts: figures.Counts, base: dict | None) -> dict:
    """The main figures of one group of demands; `base` holds the workbench parameters selecting that group
    (None: no list can select it, so no links)."""
    row = {}
    links = Links(base) if base is not None else None
    for name in COUNT_LINKS:
        row[name] = _count(counts, name, links) if links is not None else {"value": getattr(counts, name)}
    for name in RATES:
        row[name] = _rate(counts, name, links)
    for name in MEANS:
        mean = getattr(counts, name)
        row[name] = {"hours": hours(mean), "display": hours_display(mean)}
    return row


def _breakdown_labels(by: str, keys) -> dict:
    ids = [k for k in keys if k is not None]
    if by == "township":
        return {t.pk: (t.name, {"township": t.pk}) for t in Township.objects.filter(pk__in=ids)}
    if by == "department":
        ids = [k for k in ids if isinstance(k, int)]  # the other keys name who holds the rest (figures.HELD_BY_*)
        return {d.pk: (str(d), {"unit": f"department:{d.pk}"}) for d in Department.objects.filter(pk__in=ids)}
    if by == "category":
        return {c.pk: (c.name, {"category": c.pk}) for c in Category.objects.filter(pk__in=ids)}
    if by == "grid":
        return {g.pk: (g.name, {"located_in": g.code}) for g in Grid.objects.filter(pk__in=ids)}
    return {value: (str(label), {"channel": value}) for value, label in Channel.choices}


GRID_ROWS = 20


def _missing_label(by: str, key) -> str:
    """The row of demands without the breakdown's key, named for what they are rather than "not set"."""
    if by == "department":
        return {figures.HELD_BY_GRID: _("Held by a grid (no department)"),
                figures.HELD_BY_DEPUTY: _("Held by a deputy (no department)")}.get(
            key, _("Not dispatched (waiting, rejected, merged or withdrawn before dispatch)"))
    return {"township": _("No township"), "category": _("Not classified yet"),
            "grid": _("Not located in a grid")}.get(by, _("Not set"))


def breakdown_rows(by: str, rows: dict, base: dict) -> list[dict]:
    labels = _breakdown_labels(by, rows)
    ordered = sorted(rows.items(), key=lambda kv: (-kv[1].received, str(kv[0])))
    if by == "grid":
        ordered = ordered[:GRID_ROWS]  # the busiest grids; the others are in the total
    result = []
    for key, counts in ordered:
        label, params = labels.get(key, (None, None))
        if label is None:
            label = _missing_label(by, key)
        result.append({"key": key, "label": label, **counts_as_dict(counts, {**base, **params} if params else None)})
    return result


def _bucket_label(start: dt.date, granularity: str) -> str:
    if granularity == "month":
        return start.strftime("%Y-%m")
    if granularity == "week":
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return start.isoformat()


def trend_rows(trend: dict, filters: DashboardFilters, granularity: str, base: dict) -> list[dict]:
    result = []
    for start in figures.buckets(filters.date_from, filters.date_to, granularity):
        counts = trend.get(start, figures.Counts())
        first, last = max(start, filters.date_from), min(figures.bucket_end(start, granularity), filters.date_to)
        links = Links({**base, "created_from": first.isoformat(), "created_to": last.isoformat()})
        result.append({"bucket": start.isoformat(), "label": _bucket_label(start, granularity),
                       "received": _count(counts, "received", links), "closed": _count(counts, "closed", links),
                       "solved": _count(counts, "solved", links)})
    return result


def board_as_dict(board: figures.Board, base: dict) -> dict:
    links = Links(base)
    return {
        "overdue": {"value": board.overdue, "link": links.url({"overdue": "1"})},
        "levels": [{
            "level": level, "label": str(figures.LEVEL_LABELS[level]), "value": board.levels[level],
            "link": links.url({"level": str(level)}),
            "oldest": [{
                "public_no": d.public_no,
                "url": reverse("demands:detail", args=[d.pk]),
                "unit": str(d.unit) if d.unit else "",
                "township": d.township.name if d.township_id else "",
                "resolve_deadline": timezone.localtime(d.resolve_deadline).isoformat() if d.resolve_deadline else None,
                "deadline_display": (timezone.localtime(d.resolve_deadline).strftime("%Y-%m-%d %H:%M")
                                     if d.resolve_deadline else "—"),
            } for d in board.oldest[level]],
        } for level in (1, 2, 3)],
    }


def definitions() -> list[dict]:
    return [{"key": f.name, "name": str(f.label), "definition": str(f.definition)} for f in registry.defined()]


@dataclass(frozen=True)
class LedgerQuery:
    """What the ledger is asked: a township (None: the whole district) and at most one other filter, as a ledger key
    and its value."""

    township_id: int | None
    key: tuple[str, str] | None


def ledger_query(viewer, filters: DashboardFilters) -> LedgerQuery | None:
    """The ledger's question for this viewer and these filters, or None when the ledger cannot answer it exactly."""
    if not may_view_dashboard(viewer):
        return None  # other scopes (a department, a grid) are not what the ledger is keyed by
    if viewer.is_superuser or viewer.township_id is None:
        township_id = filters.township.pk if filters.township else None
    elif filters.township is not None and filters.township.pk != viewer.township_id:
        return None  # an empty intersection: the demands query says so at once
    else:
        township_id = viewer.township_id
    keys = []
    if filters.grid is not None:
        keys.append(("grid", str(filters.grid.pk)))
    if filters.department is not None:
        keys.append(("department", str(filters.department.pk)))
    if filters.category is not None:
        category = filters.category
        if category.parent_id is None:  # itself and its children: the top-level key
            keys.append(("category", str(category.pk)))
        elif filters.category_ids == [category.pk]:  # itself alone
            keys.append(("subcategory", str(category.pk)))
        else:
            return None
    if filters.channel:
        keys.append(("channel", filters.channel))
    if filters.type or filters.micro_grid is not None:
        return None  # the ledger is keyed by neither type nor micro-grid: the demands themselves are counted
    if len(keys) > 1:
        return None
    return LedgerQuery(township_id=township_id, key=keys[0] if keys else None)


def _whole_months(filters: DashboardFilters) -> tuple[dt.date, dt.date] | None:
    """The first and last month lying whole inside the period."""
    first = figures.bucket_start(filters.date_from, "month")
    if first < filters.date_from:
        first = figures.bucket_end(first, "month") + dt.timedelta(days=1)
    last = figures.bucket_start(filters.date_to, "month")
    if figures.bucket_end(last, "month") > filters.date_to:
        last = figures.bucket_start(last - dt.timedelta(days=1), "month")
    return (first, last) if first <= last else None


def _spans(filters: DashboardFilters) -> tuple[list, list]:
    """The period as ledger spans: whole months by month, the days before and after them by day."""
    months = _whole_months(filters)
    if months is None:
        return [], [("d", filters.date_from, filters.date_to)]
    first, last = months
    days = []
    if filters.date_from < first:
        days.append(("d", filters.date_from, first - dt.timedelta(days=1)))
    after = figures.bucket_end(last, "month") + dt.timedelta(days=1)
    if after <= filters.date_to:
        days.append(("d", after, filters.date_to))
    return [("m", first, last)], days


def _key(by: str, value):
    """A breakdown key as the demands query groups it (figures.BREAKDOWN_KEYS, split_not_held_by_a_department)."""
    if by == "township":
        return value
    if by == "channel":
        return value or None
    if by == "department" and value in (figures.HELD_BY_GRID, figures.HELD_BY_DEPUTY):
        return value
    return int(value) if value else None


def _ledger_grouped(viewer, filters: DashboardFilters, question: LedgerQuery, *, granularity: str, by: str):
    """Headline, trend and breakdown from the ledger (two small queries), or None when no slice answers."""
    key = question.key[0] if question.key else None
    value = question.key[1] if question.key else None
    township = question.township_id is not None
    alone = (key,) if key else ()
    # The trend by day or week reads every day of the period; by month, whole months by month.
    trend_slice = registry.find_slice(alone, township=township, grains="d" if granularity != "month" else "dm")
    if by == "township":
        rows_slice, group = registry.find_slice(alone, township=True, grains="m"), "township_id"
    elif key is None or key == by:
        rows_slice, group = registry.find_slice((by,), township=township, grains="m"), "a"
    else:
        rows_slice, group = registry.find_slice((key, by), township=township, grains="m"), "b"
    if trend_slice is None or rows_slice is None:
        return None
    months, days = _spans(filters)
    ask = {"a": value, "township_id": question.township_id}
    trend_spans = months + days if granularity == "month" else [("d", filters.date_from, filters.date_to)]
    total, trend = figures.Counts(), {}
    for day, counts in rollup.read(trend_slice, spans=trend_spans, group="day", **ask).items():
        total.add(counts)
        trend.setdefault(figures.bucket_start(day, granularity), figures.Counts()).add(counts)
    edges = [] if "d" in rows_slice.grains else days
    read = rollup.read(rows_slice, spans=months + ([] if edges else days), group=group, **ask)
    rows = {}
    for raw, counts in read.items():
        rows.setdefault(_key(by, raw), figures.Counts()).add(counts)
    for _grain, first, last in edges:  # a slice kept by month only: its partial months from the demands
        edge = replace(filters, date_from=first, date_to=last)
        for raw, counts in figures.breakdown(period_demands(viewer, edge), by=by).items():
            rows.setdefault(raw, figures.Counts()).add(counts)
    return figures.Grouped(total=total, trend=trend, rows=rows)


def period_grouped(viewer, filters: DashboardFilters, *, granularity: str, by: str) -> figures.Grouped:
    """Headline, trend and breakdown for the period: from the ledger (supervise.rollup) when one of its slices holds
    the viewer's township and the one filter, else by counting the demands. The department breakdown splits the
    demands no department holds by who holds them instead, either way."""
    question = ledger_query(viewer, filters)
    if question is not None:
        result = _ledger_grouped(viewer, filters, question, granularity=granularity, by=by)
        if result is not None:
            return result
    demands = period_demands(viewer, filters)
    result = figures.grouped(demands, granularity=granularity, by=by)
    if by == "department":
        result.rows = figures.split_not_held_by_a_department(result.rows, demands)
    return result


def dashboard_report(viewer, filters: DashboardFilters, *, granularity: str, by: str) -> dict:
    """Everything the dashboard shows, for the page, the API and the exports (a constant number of queries)."""
    grouped = period_grouped(viewer, filters, granularity=granularity, by=by)
    board = figures.board(board_demands(viewer, filters))
    base = filters.link_params()
    return {
        "period": {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat(),
                   "granularity": granularity, "by": by},
        "definitions": definitions(),
        "figures": counts_as_dict(grouped.total, base),
        "trend": trend_rows(grouped.trend, filters, granularity, base),
        "breakdown": {"by": by, "rows": breakdown_rows(by, grouped.rows, base)},
        "board": board_as_dict(board, filters.link_params(period=False)),
    }


# ---------------------------------------------------------------- public statistics
# Counts and rates only: no names, phones, content or tracking codes ever reach these pages.

PUBLIC_TOP_CATEGORIES = 5


def _public_figures(counts: figures.Counts) -> dict:
    return {"received": counts.received, "closed": counts.closed,
            "resolution_rate": counts.resolution_rate.display, "on_time_rate": counts.on_time_rate.display,
            "satisfaction": counts.satisfaction.display, "rating_coverage": counts.rating_coverage.display}


def _periods() -> dict:
    today = timezone.localdate()
    return {"year": DashboardFilters(date_from=today.replace(month=1, day=1), date_to=today),
            "recent": DashboardFilters(date_from=today - dt.timedelta(days=29), date_to=today)}


def district_stats() -> dict:
    periods = _periods()
    year = Demand.objects.filter(periods["year"].period_q())
    recent = Demand.objects.filter(periods["recent"].period_q())
    by_township = figures.breakdown(year, by="township")
    townships = [{"code": t.code, "name": t.name, **_public_figures(by_township.get(t.pk, figures.Counts()))}
                 for t in Township.objects.order_by("sort", "code")]
    return {"scope": None, "year": periods["year"], "recent_period": periods["recent"],
            "this_year": _public_figures(figures.totals(year)), "recent": _public_figures(figures.totals(recent)),
            "townships": townships}


def township_stats(township: Township) -> dict:
    periods = _periods()
    year = Demand.objects.filter(periods["year"].period_q(), township_id=township.pk)
    recent = Demand.objects.filter(periods["recent"].period_q(), township_id=township.pk)
    by_category = figures.breakdown(year, by="category")
    names = dict(Category.objects.filter(pk__in=[k for k in by_category if k]).values_list("pk", "name"))
    top = sorted(((names[k], c.received) for k, c in by_category.items() if k in names), key=lambda x: -x[1])
    today = timezone.localdate()
    first_month = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)  # this month and the 11 before
    months = figures.grouped(
        Demand.objects.filter(DashboardFilters(date_from=first_month, date_to=today).period_q(),
                              township_id=township.pk), granularity="month", by="channel").trend
    trend = [{"month": start.strftime("%Y-%m"), "received": months.get(start, figures.Counts()).received,
              "closed": months.get(start, figures.Counts()).closed}
             for start in figures.buckets(first_month, today, "month")]
    return {"scope": township.name, "township_code": township.code, "year": periods["year"],
            "recent_period": periods["recent"], "this_year": _public_figures(figures.totals(year)),
            "recent": _public_figures(figures.totals(recent)), "top_categories": top[:PUBLIC_TOP_CATEGORIES],
            "trend": trend}
