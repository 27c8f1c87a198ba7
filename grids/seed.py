"""The Bazhou demo places: 22 townships, their communities, 372 grids and 3,124 micro-grids (docs/architecture.md#places)."""

import math
import random
from decimal import Decimal

from core.seeding import sync_rows

from .bazhou import COMMUNITY_WORDS, DISTRICT, TOWNSHIPS
from .models import Community, District, Grid, MicroGrid, Township

GRID_COUNT = 372
MICRO_GRID_COUNT = 3124
CENTRE = (31.87, 106.75)  # Bazhong's urban core
BLOCK = (0.07, 0.08)  # degrees of latitude / longitude per township block
LAYOUT_COLUMNS = 5
# Central blocks of the 5×5 layout go to the urban streets; towns ring them.
STREET_BLOCKS = [(2, 2), (1, 2), (2, 1), (2, 3), (3, 2), (1, 1)]


def grids_per_township() -> list[int]:
    """Streets are denser: 24 grids each; the towns share the rest as evenly as possible."""
    streets = [i for i, t in enumerate(TOWNSHIPS) if t[2] == "street"]
    counts = [0] * len(TOWNSHIPS)
    for i in streets:
        counts[i] = 24
    towns = [i for i in range(len(TOWNSHIPS)) if i not in streets]
    rest = GRID_COUNT - 24 * len(streets)
    for n, i in enumerate(towns):
        counts[i] = rest // len(towns) + (1 if n < rest % len(towns) else 0)
    return counts


def _blocks() -> list[tuple[int, int]]:
    others = [(r, c) for r in range(5) for c in range(LAYOUT_COLUMNS) if (r, c) not in STREET_BLOCKS]
    # Drop three corners so 22 blocks remain and the district has a plausible shape.
    others = [b for b in others if b not in [(0, 0), (0, 4), (4, 4)]]
    streets = iter(STREET_BLOCKS)
    towns = iter(others)
    return [next(streets) if t[2] == "street" else next(towns) for t in TOWNSHIPS]


def _rect(lat0: float, lng0: float, dlat: float, dlng: float) -> dict:
    ring = [[lng0, lat0], [lng0 + dlng, lat0], [lng0 + dlng, lat0 + dlat], [lng0, lat0 + dlat], [lng0, lat0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def seed_places() -> dict:
    district = sync_rows(District, [{"code": DISTRICT[0], "name": DISTRICT[1]}])[DISTRICT[0]]
    township_rows = [
        {"district": district, "code": code, "name": name, "kind": kind, "sort": i + 1}
        for i, (code, name, kind) in enumerate(TOWNSHIPS)
    ]
    townships = sync_rows(Township, township_rows)

    community_rows, grid_plan = [], []
    counts = grids_per_township()
    used_words: set[str] = set()  # one 白云社区 in the district, not three: residents name their place by it
    for t_index, ((code, _name, kind), grid_count, block) in enumerate(zip(TOWNSHIPS, counts, _blocks(), strict=True)):
        township = townships[code]
        per_community = 3 if kind == "street" else 2
        n_communities = math.ceil(grid_count / per_community)
        shuffled = random.Random(f"bazhou-{code}").sample(COMMUNITY_WORDS, len(COMMUNITY_WORDS))
        words = [w for w in shuffled if w not in used_words][:n_communities]
        used_words.update(words)
        communities = []
        for c, word in enumerate(words):
            suffix = "社区" if kind == "street" or c < 2 else "村"
            row = {"township": township, "code": f"{code}{c + 1:03d}", "name": f"{word}{suffix}"}
            community_rows.append(row)
            communities.append(row)
        # Lay the township's grids out as a lattice of rectangles inside its block.
        cols = math.ceil(math.sqrt(grid_count))
        rows = math.ceil(grid_count / cols)
        lat_base = CENTRE[0] + (block[0] - 2.5) * BLOCK[0]
        lng_base = CENTRE[1] + (block[1] - 2.5) * BLOCK[1]
        dlat, dlng = BLOCK[0] / rows, BLOCK[1] / cols
        for g in range(grid_count):
            community = communities[g // per_community]
            r, c = divmod(g, cols)
            lat0, lng0 = lat_base + r * dlat, lng_base + c * dlng
            grid_plan.append({
                "community_code": community["code"],
                "township": township,
                "code": f"BZ{t_index + 1:02d}-{g + 1:03d}",
                "name": f"{community['name']}第{g % per_community + 1}网格",
                "lat": Decimal(f"{lat0 + dlat / 2:.6f}"),
                "lng": Decimal(f"{lng0 + dlng / 2:.6f}"),
                "polygon": _rect(lat0, lng0, dlat, dlng),
            })

    communities = sync_rows(Community, community_rows)
    grid_rows = [{**{k: v for k, v in row.items() if k != "community_code"},
                  "community": communities[row["community_code"]]} for row in grid_plan]
    grids = sync_rows(Grid, grid_rows)

    base, extra = divmod(MICRO_GRID_COUNT, GRID_COUNT)
    micro_rows = []
    for i, row in enumerate(grid_rows):
        grid = grids[row["code"]]
        for m in range(base + (1 if i < extra else 0)):
            micro_rows.append({"grid": grid, "code": f"{grid.code}-{m + 1:02d}", "name": f"{grid.name}{m + 1}号微网格"})
    sync_rows(MicroGrid, micro_rows)
    return {"district": district, "townships": townships, "grids": grids}
