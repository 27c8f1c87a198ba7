"""The demand list API: every row reads as the demand's own detail for every viewer, names what the small tables say
now, filters as before and costs the same queries however many places and units a page names."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from demands import services
from demands.models import DemandType, Outcome
from demands.states import Status
from integrations.services import integration_create

pytestmark = pytest.mark.django_db

LAMP = "莲花社区3栋门口的路灯坏了一个星期，晚上很黑，老人出门容易摔倒。"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def api(user=None, token=None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    else:
        client.force_authenticate(user)
    return client


def listed(client, **params) -> list[dict]:
    response = client.get("/api/v1/demands/", {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def assorted(walk, staff, world):
    """Demands of every shape a list shows: not yet classified, held by a department, a grid and a deputy, addressed
    to a deputy by a resident (masked for the centres), with coordinates and a community, with a doubtful reply,
    closed, and one submitted by a registered resident."""
    walk(Status.RECEIVED, lat=Decimal("31.867512"), lng=Decimal("106.747"), address="江北大道东段",
         community=world.grid.community)
    walk(Status.DISPATCHED)
    walk(Status.ACCEPTED, unit=world.grid)
    walk(Status.DISPATCHED, unit=world.deputy_record)
    services.demand_receive(actor=None, type=DemandType.HELP, content=LAMP, deputy=world.deputy_record,
                            contact_name="张桂兰", contact_phone="13900001111")
    doubtful = walk(Status.ACCEPTED, content=LAMP)
    services.demand_resolve(demand_id=doubtful.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply="已处理")
    walk(Status.CLOSED)
    walk(Status.RECEIVED, township=world.other_township)
    services.demand_receive(actor=staff.resident, type=DemandType.COMPLAINT, content="楼下烧烤摊油烟很大。",
                            township=world.township, contact_name="陈建国", contact_phone="13700002222")


@pytest.mark.parametrize("viewer", ["dispatcher", "township_dispatcher", "supervisor", "handler", "grid_worker",
                                    "deputy", "resident", "integration"])
def test_each_listed_demand_reads_exactly_as_its_detail(viewer, assorted, staff, world):
    if viewer == "integration":
        client = api(token=integration_create(name="12345热线", townships=[world.township])[1])
    else:
        client = api(getattr(staff, viewer))
    rows = listed(client)
    assert rows
    for row in rows:
        assert row == client.get(f"/api/v1/demands/{row['id']}/").json()
        assert "tracking_code" not in row


def test_the_list_masks_and_names_as_each_role_may_see(assorted, staff):
    rows = listed(api(staff.dispatcher))
    addressed = next(row for row in rows if row["content"] == LAMP and row["status"] == "dispatched")
    assert addressed["unit"]["kind"] == "deputy"
    assert addressed["contact_phone"] == "139****1111"  # the deputy a resident wrote to handles it alone
    doubtful = next(row for row in rows if row["status"] == "resolved")
    assert doubtful["reply_flags"] and doubtful["unit"]["name"] == "区综合执法局"
    mine = listed(api(staff.resident))
    assert [row["contact_phone"] for row in mine] == ["13700002222"] and mine[0]["reply_flags"] == []


def test_a_renamed_unit_or_category_shows_as_renamed_on_the_next_page(walk, staff, world):
    demand = walk(Status.DISPATCHED)
    client = api(staff.dispatcher)
    before = next(row for row in listed(client) if row["id"] == demand.pk)
    world.department.short_name = "区城管执法局"
    world.department.save()
    world.category.code = "sanitation.bins"
    world.category.save()
    after = next(row for row in listed(client) if row["id"] == demand.pk)
    assert (before["unit"]["name"], before["category"]) == ("区综合执法局", "sanitation.garbage")
    assert (after["unit"]["name"], after["category"]) == ("区城管执法局", "sanitation.bins")


def test_filters_by_top_category_grid_and_several_statuses(walk, staff, world):
    at_sibling_grid = walk(Status.DISPATCHED, unit=world.sibling_grid)
    at_department = walk(Status.ACCEPTED)
    unclassified = walk(Status.RECEIVED, township=world.other_township)
    client = api(staff.dispatcher)

    def ids(**params):
        return [row["id"] for row in listed(client, **params)]

    assert sorted(ids(category="sanitation")) == sorted([at_sibling_grid.pk, at_department.pk])
    assert ids(category="sanitation.garbage", status="accepted") == [at_department.pk]
    assert ids(category="no-such-category") == []
    assert ids(grid=world.sibling_grid.code) == [at_sibling_grid.pk]  # held by the grid, located in another
    assert sorted(ids(grid=world.grid.code)) == sorted([at_sibling_grid.pk, at_department.pk])
    assert ids(status=["received", "dispatched", "closed"]) == [unclassified.pk, at_sibling_grid.pk]


def test_a_page_costs_the_same_queries_however_many_places_and_units_it_names(walk, staff, world):
    walk(Status.DISPATCHED)
    client = api(staff.dispatcher)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            listed(client)
        return len(captured)

    few = queries()
    walk(Status.ACCEPTED, unit=world.grid)
    walk(Status.DISPATCHED, unit=world.deputy_record)
    walk(Status.RECEIVED, township=world.other_township, grid=world.other_grid)
    walk(Status.RECEIVED, community=world.grid.community)
    assert queries() == few


def test_the_list_benchmark_runs_in_smoke_mode():
    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")}
    result = subprocess.run([sys.executable, "bench/api_list.py", "--smoke"], cwd=root, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dispatcher (district)" in result.stdout and "handler (one department)" in result.stdout
