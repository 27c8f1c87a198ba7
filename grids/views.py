"""Options for the cascading place selects (htmx swaps them in; the form also works without it)."""

from django.shortcuts import render

from .models import Community, Grid


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
