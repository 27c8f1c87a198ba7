"""The map of grids (docs/figures.md#map-of-grids): each grid the viewer may see with its load, as GeoJSON.

Per grid, counting the demands located in it (Demand.grid) within the viewer's scope and the chosen category:
- open: demands in an open state now (received … awaiting rating), whenever received;
- received: demands received in the period, whatever their state now (figures.received_q, the dashboard's rule);
- overdue: open demands held by a unit past their resolve deadline (demands.filters.overdue_q);
- overdue_share: overdue / open, None without open demands.
The totals count every demand in the viewer's scope and category, located in a grid or not, so the map's "received in
the period" is the dashboard's and the hotspots' number; the demands on no grid of the map are counted on a line of
their own. All of it comes from one grouped query. No personal data is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from demands.filters import overdue_q
from demands.models import Category, Demand
from demands.selectors import scope_q
from demands.states import OPEN_STATES
from grids.models import Grid

from .hotspots import Period, workbench_url
from .selectors import may_view_dashboard

MEASURES = ("open", "received", "overdue_share")
TABLE_LIMIT = 50
# Fixed classes for the overdue share: none, up to 10 %, up to 25 %, up to 50 %, more.
SHARE_BREAKS = [0.1, 0.25, 0.5]


def can_open_insight(user) -> bool:
    """The map and hotspots are for those who may view the dashboard: dispatchers, supervisors and superusers."""
    return may_view_dashboard(user)


def grids_visible_to(user):
    """A township dispatcher or supervisor sees their township's grids; district staff and superusers all."""
    grids = Grid.objects.select_related("community", "township")
    if not user.is_superuser and user.township_id is not None:
        grids = grids.filter(township_id=user.township_id)
    return grids.order_by("township__sort", "code")


def category_q(category: Category | None) -> Q:
    """The workbench's category rule: a top-level category takes in its sub-categories."""
    if category is None:
        return Q()
    return Q(category_id=category.pk) | Q(category__parent_id=category.pk)


def grid_counts(*, viewer, period: Period, category: Category | None = None) -> dict[int | None, dict]:
    """{grid id: {"open", "received", "overdue"}} in one grouped query; None: the demands located in no grid."""
    open_q = Q(status__in=list(OPEN_STATES))
    rows = (
        Demand.objects.filter(scope_q(viewer), category_q(category))
        .filter(open_q | period.q())
        .values("grid_id")
        .annotate(open=Count("id", filter=open_q), received=Count("id", filter=period.q()),
                  overdue=Count("id", filter=overdue_q()))
        .order_by()
    )
    return {r["grid_id"]: {"open": r["open"], "received": r["received"], "overdue": r["overdue"]} for r in rows}


def _count_breaks(values: list[int]) -> list[int]:
    """Lower bounds of up to five classes above zero, from the quantiles of the non-zero counts."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    bounds = {positive[min(len(positive) - 1, int(len(positive) * q))] for q in (0, 0.2, 0.4, 0.6, 0.8)}
    return sorted(bounds)


@dataclass
class GridLoad:
    grid: Grid
    open: int
    received: int
    overdue: int
    open_url: str
    received_url: str

    @property
    def overdue_share(self) -> float | None:
        return round(self.overdue / self.open, 4) if self.open else None

    def value(self, measure: str):
        return getattr(self, measure)


def list_url_prefix(*, category: Category | None = None, **params) -> str:
    return workbench_url(category=category.pk if category else None, **params) + "&grid="


COUNTED = ("open", "received", "overdue")


class GridLoads(list):
    """The visible grids' loads (a list of GridLoad) with the totals over every demand counted, located or not.

    totals: {"open", "received", "overdue"} over the viewer's scope and category; off_map: the part of the totals on
    no grid of the map (located in no grid, or in a grid the viewer's map does not show)."""

    totals: dict
    off_map: dict


def grid_loads(*, viewer, period: Period, category: Category | None = None) -> GridLoads:
    counts = grid_counts(viewer=viewer, period=period, category=category)
    zero = dict.fromkeys(COUNTED, 0)
    span = period.as_query()
    cat = category.pk if category else None
    loads = GridLoads(
        GridLoad(grid=g, **counts.get(g.pk, zero),
                 open_url=workbench_url(grid=g.code, category=cat, open="1"),
                 received_url=workbench_url(grid=g.code, category=cat, **span))
        for g in grids_visible_to(viewer)
    )
    loads.totals = {k: sum(c[k] for c in counts.values()) for k in COUNTED}
    loads.off_map = {k: loads.totals[k] - sum(getattr(x, k) for x in loads) for k in COUNTED}
    return loads


def top_loads(loads: list[GridLoad], measure: str = "open", limit: int = TABLE_LIMIT) -> list[GridLoad]:
    """The table shown without JavaScript: the most loaded grids first."""
    key = (lambda x: (-(x.overdue_share or 0), -x.open, x.grid.code)) if measure == "overdue_share" else (
        lambda x: (-x.value(measure), x.grid.code))
    return sorted(loads, key=key)[:limit]


def geojson(loads: GridLoads, *, period: Period, category: Category | None = None) -> dict:
    """A GeoJSON FeatureCollection, one feature per grid; the legend classes ride along as a foreign member."""
    townships = {}
    for load in loads:
        townships.setdefault(load.grid.township_id, len(townships))
    features = [
        {
            "type": "Feature",
            "id": load.grid.pk,
            "geometry": load.grid.geometry,
            "properties": {
                "code": load.grid.code,
                "name": load.grid.name,
                "community": load.grid.community.name,
                "township": load.grid.township.name,
                "township_index": townships[load.grid.township_id],
                "lat": float(load.grid.lat),
                "lng": float(load.grid.lng),
                "open": load.open,
                "received": load.received,
                "overdue": load.overdue,
                "overdue_share": load.overdue_share,
            },
        }
        for load in loads
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "category": category.code if category else None,
        # Every demand counted, in a grid or not (the dashboard's and the hotspots' totals), and the part on no grid.
        "totals": {**loads.totals, "off_map": loads.off_map},
        # The workbench lists behind the counts: append the grid's code (URL-encoded) to these.
        "links": {"open": list_url_prefix(category=category, open="1"),
                  "received": list_url_prefix(category=category, **period.as_query())},
        "legend": {
            "open": _count_breaks([x.open for x in loads]),
            "received": _count_breaks([x.received for x in loads]),
            "overdue_share": SHARE_BREAKS,
        },
    }
