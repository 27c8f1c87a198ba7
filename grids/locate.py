"""Point → grid: inside a grid's polygon, else the nearest centroid within the district (docs/architecture.md#places)."""

from .models import Grid

# The demo district's extent with a margin; a point outside is kept as coordinates for a dispatcher to place.
DISTRICT_BOX = (31.5, 32.3, 106.3, 107.2)


def _inside(lat: float, lng: float, polygon) -> bool:
    try:
        ring = polygon["coordinates"][0]
    except (KeyError, IndexError, TypeError):
        return False
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def locate(lat: float, lng: float) -> tuple[Grid | None, str]:
    south, north, west, east = DISTRICT_BOX
    if not (south <= lat <= north and west <= lng <= east):
        return None, "outside"
    grids = list(Grid.objects.select_related("township", "community").only(
        "code", "lat", "lng", "polygon", "township__code", "community__code"))
    for grid in grids:
        if grid.polygon and _inside(lat, lng, grid.polygon):
            return grid, "polygon"
    if not grids:
        return None, "outside"
    nearest = min(grids, key=lambda g: (float(g.lat) - lat) ** 2 + (float(g.lng) - lng) ** 2)
    return nearest, "nearest"
