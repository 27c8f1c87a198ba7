"""Demo deputies: a county-level and a township-level deputy for every township."""

from grids.models import Township
from portal.names import person_name
from portal.seeding import sync_rows

from .models import Deputy


def seed_deputies() -> dict[str, Deputy]:
    rows = []
    for township in Township.objects.order_by("sort"):
        for k, level in enumerate([Deputy.Level.COUNTY, Deputy.Level.TOWNSHIP]):
            code = f"DB{township.sort:02d}{k + 1}"
            constituency = f"{township.name}第{k + 1}选区" if level == Deputy.Level.TOWNSHIP else f"巴州区第{township.sort}选区"
            rows.append({"code": code, "name": person_name(f"deputy-{code}"), "level": level,
                         "township": township, "constituency": constituency})
    return sync_rows(Deputy, rows)
