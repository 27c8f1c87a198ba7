"""Open demands near a place that look like a given text: the resident's "已有类似诉求" hint and the
dispatcher's merge candidates.

Scored with demands.grouping.similarity_matrix (TF-IDF over demands.text.terms, place words left out
of the topic comparison), so "same village, other problem" scores nothing. The threshold was measured on
tests/test_grouping.py's fixture (see SIMILAR_THRESHOLD).
"""
from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone

from .models import Demand
from .states import OPEN_STATES

WINDOW_DAYS = 60
# Measured on tests/test_grouping.py's fixture, each of its 32 texts as the query against the other 31:
# 0.24 keeps all 32 same-problem pairs (lowest 0.242) and lets 2 of 898 other pairs through (0.264: a
# broken light and broken paving on the same road); 0.25 would lose 2 pairs and still let those 2 through.
# Half-typed queries (first half of each text) against their set still score 0.256 or more.
SIMILAR_THRESHOLD = 0.24
MAX_CANDIDATES = 300  # the most recent in the place; a township rarely has more open in 60 days
MIN_QUERY_CHARS = 5

_PHONE_LIKE = re.compile(r"\d[\d\s-]{5,}\d")


def _place_q(*, township=None, community=None, grid=None) -> Q | None:
    """Demands at the same place as far as both are known: the same grid, or (not yet placed in a grid)
    the same community, or (not yet placed in a community) the same township."""
    if grid is not None:
        community = community or grid.community
        township = township or grid.township
        return (Q(grid=grid) | Q(grid__isnull=True, community=community)
                | Q(grid__isnull=True, community__isnull=True, township=township))
    if community is not None:
        township = township or community.township
        return Q(community=community) | Q(community__isnull=True, township=township)
    if township is not None:
        return Q(township=township)
    return None


def _locate(lat, lng):
    if lat is None or lng is None:
        return None
    from grids.locate import locate

    try:
        grid, _how = locate(float(lat), float(lng))
    except (TypeError, ValueError):
        return None
    return grid


def similar_open_demands(*, content, township=None, community=None, grid=None, lat=None, lng=None,
                         exclude_id=None, limit=5, queryset=None) -> list[tuple[Demand, float]]:
    """Open demands of the last WINDOW_DAYS days at the same place that look like `content`, most alike
    first, as (demand, score in [0, 1]). A point (lat, lng) stands in for the place when none is given.
    `queryset` narrows the candidates further (e.g. to what a viewer may see)."""
    from demands.grouping import similarity_matrix

    content = (content or "").strip()
    if len(content) < MIN_QUERY_CHARS:
        return []
    if grid is None and community is None and township is None:
        grid = _locate(lat, lng)
    place = _place_q(township=township, community=community, grid=grid)
    if place is None:
        return []
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    candidates = (queryset if queryset is not None else Demand.objects.all()).filter(
        place, status__in=OPEN_STATES, created_at__gte=since)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    candidates = list(candidates.select_related("category", "community").order_by("-created_at", "-id")
                      [:MAX_CANDIDATES])
    if not candidates:
        return []
    similarity, _rows, _vocabulary = similarity_matrix([content, *(d.content for d in candidates)])
    scored = [(d, round(float(s), 3)) for d, s in zip(candidates, similarity[0, 1:]) if s >= SIMILAR_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].created_at.timestamp(), -pair[0].pk))
    return scored[:limit]


def public_excerpt(demand, length: int = 40) -> str:
    """The first `length` characters of a demand's content for strangers, phone-like numbers hidden;
    empty unless the resident allowed the content to be shown publicly."""
    if not demand.is_public:
        return ""
    text = _PHONE_LIKE.sub("***", " ".join(demand.content.split()))
    return text if len(text) <= length else text[:length] + "…"


# ---------------------------------------------------------------- the resident's hint and the dispatcher's list

HINT_LIMIT = 3


def hint_place(data) -> dict:
    """township / community / grid from the submit form's values; a choice that does not belong to the one
    above it is dropped, as the form itself would refuse it."""
    from grids.models import Community, Grid, Township

    from core.validators import valid_pk

    ids = {name: str(data.get(name) or "").strip() for name in ("township", "community", "grid")}
    township = Township.objects.filter(pk=ids["township"]).first() if valid_pk(ids["township"]) else None
    community = grid = None
    if township is not None and valid_pk(ids["community"]):
        community = Community.objects.filter(pk=ids["community"], township=township).first()
    if community is not None and valid_pk(ids["grid"]):
        grid = Grid.objects.filter(pk=ids["grid"], community=community).first()
    return {"township": township, "community": community, "grid": grid}


def hint_items(found) -> list[dict]:
    """What a stranger may see of each similar demand: category, status, date, community, a public excerpt.
    Plain values, so the template cannot reach the tracking code or the contact."""
    return [{"category": str(d.category) if d.category_id else "", "status": d.get_status_display(),
             "received": timezone.localtime(d.created_at).date(),
             "community": d.community.name if d.community_id else "", "excerpt": public_excerpt(d)}
            for d, _score in found]


def merge_candidates(*, viewer, demand, limit=5) -> list[tuple[Demand, float]]:
    """Open demands of the same township that `demand` may duplicate, for a viewer who may merge it."""
    from .selectors import demands_visible_to
    from .services import refusal
    from .states import Action

    if demand.township_id is None or refusal(viewer, demand, Action.MERGE) is not None:
        return []
    return similar_open_demands(content=demand.content, township=demand.township, exclude_id=demand.pk,
                                limit=limit, queryset=demands_visible_to(viewer))
