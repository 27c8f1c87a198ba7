"""Point → grid: inside a grid's polygon, else the nearest centroid within the district (docs/architecture.md#places)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .models import Grid

# The demo district's extent with a margin. A point outside it: the API and Open311 keep it as coordinates for a
# dispatcher to place; the pages' place picker refuses it.
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


OUTSIDE_MESSAGE = _("This point is outside the district. Choose a point on the district's map, or choose the place "
                    "in the lists.")

# Six decimals (about 0.1 m), as Demand.lat/lng store them; a longer text is not a coordinate anyone typed.
MICRO_DEGREE = Decimal("0.000001")
MAX_COORDINATE_TEXT = 24


def parse_coordinate(value, limit: int) -> Decimal | None:
    """Decimal degrees within ±limit, rounded to six decimals; None for anything else (NUL bytes, exponents that
    overflow, NaN, huge strings)."""
    if not isinstance(value, str) or len(value) > MAX_COORDINATE_TEXT:
        return None
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        return None
    return number.quantize(MICRO_DEGREE)


def in_district(lat: float, lng: float) -> bool:
    south, north, west, east = DISTRICT_BOX
    return south <= lat <= north and west <= lng <= east


def locate(lat: float, lng: float) -> tuple[Grid | None, str]:
    if not in_district(lat, lng):
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
