"""Options for the cascading place selects (htmx swaps them in; the form also works without it), and the two
small JSON answers behind the place picker's map: the grids' outlines and the place of a point."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.ratelimit import over_limit

from .locate import OUTSIDE_MESSAGE, in_district, locate, parse_coordinate
from .models import Community, Grid, MicroGrid

OUTLINES_MAX_AGE = 3600  # places change when an administrator edits them: rarely


def _digits(value) -> str | None:
    return value if value and str(value).isdigit() else None


def community_options(request):
    township_id = _digits(request.GET.get("township"))
    communities = Community.objects.filter(township_id=township_id) if township_id else Community.objects.none()
    return render(request, "grids/options.html", {"items": communities, "empty": "community"})


def grid_options(request):
    community_id = _digits(request.GET.get("community"))
    grids = Grid.objects.filter(community_id=community_id) if community_id else Grid.objects.none()
    return render(request, "grids/options.html", {"items": grids, "empty": "grid"})


def micro_grid_options(request):
    grid_id = _digits(request.GET.get("grid"))
    micro_grids = MicroGrid.objects.filter(grid_id=grid_id) if grid_id else MicroGrid.objects.none()
    return render(request, "grids/options.html", {"items": micro_grids, "empty": "micro_grid"})


@require_GET
def outlines(request):
    """Every grid's boundary (or centroid) with its name: the picker's map of the district, fetched when opened."""
    features = [{"type": "Feature", "id": g.pk, "geometry": g.geometry, "properties": {"name": g.name}}
                for g in Grid.objects.only("name", "lat", "lng", "polygon").order_by("code")]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    patch_cache_control(response, public=True, max_age=OUTLINES_MAX_AGE)
    return response


@require_GET
def locate_point(request):
    """The township, village and grid of a point (grids.locate, as the API's locate/ and the intake place it), with
    the village and grid options to fill the selects in one answer. Anyone may ask (the submit page is public), so
    it is counted per address: each answer reads every grid."""
    if over_limit(request, "locate", settings.PAGE_LOCATE_LIMIT, 3600):
        request.audit_reason = "throttled"
        # JSON, as the picker reads it: it shows `detail` and leaves the lists to the resident.
        return JsonResponse({"detail": _("Too many requests. Please try again later.")}, status=429)
    lat = parse_coordinate(request.GET.get("lat"), 90)
    lng = parse_coordinate(request.GET.get("lng"), 180)
    if lat is None or lng is None:
        return JsonResponse({"detail": _("Give lat and lng as decimal degrees.")}, status=400)
    if not in_district(float(lat), float(lng)):
        return JsonResponse({"detail": str(OUTSIDE_MESSAGE)}, status=422)
    grid, method = locate(float(lat), float(lng))
    if grid is None:
        return JsonResponse({"detail": str(OUTSIDE_MESSAGE)}, status=422)
    return JsonResponse({
        "method": method,
        "township": {"id": grid.township_id, "name": grid.township.name},
        "community": {"id": grid.community_id, "name": grid.community.name},
        "grid": {"id": grid.pk, "name": grid.name},
        "communities": [{"id": c.pk, "name": c.name} for c in Community.objects.filter(township_id=grid.township_id)],
        "grids": [{"id": g.pk, "name": g.name} for g in Grid.objects.filter(community_id=grid.community_id)],
    })
