"""The map of grids: one GeoJSON feature per visible grid with its load, scoped, usable without tiles or JavaScript."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from demands.models import Demand
from demands.states import Status

from .conftest import PASSWORD
from .factories import UserFactory

pytestmark = pytest.mark.django_db

MAP_API = "/api/v1/dashboard/map/"

RECTANGLE = {"type": "Polygon", "coordinates": [[[106.70, 31.80], [106.72, 31.80], [106.72, 31.82], [106.70, 31.82],
                                                 [106.70, 31.80]]]}


def client_for(user):
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def features(response):
    return {f["properties"]["code"]: f for f in response.json()["features"]}


def page_geojson(response):
    match = re.search(r'<script id="insight-map-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(match.group(1))


@pytest.fixture
def loaded(walk, world):
    """world.grid: overdue (dispatched, deadline passed), accepted, closed, and an open one received 40 days ago;
    sibling grid: one received; other township's grid: one received; one demand without a grid."""
    overdue = walk(Status.DISPATCHED)
    Demand.objects.filter(pk=overdue.pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=1))
    walk(Status.ACCEPTED)
    walk(Status.CLOSED)
    old = walk(Status.RECEIVED, grid=world.grid)
    Demand.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    walk(Status.RECEIVED, grid=world.sibling_grid)
    walk(Status.RECEIVED, grid=world.other_grid, township=world.other_township)
    walk(Status.RECEIVED)  # located in no grid: on no feature
    world.grid.polygon = RECTANGLE
    world.grid.save()
    return world


def test_one_feature_per_grid_with_hand_computed_counts(loaded, staff):
    response = client_for(staff.dispatcher).get(MAP_API)
    assert response.status_code == 200
    by_code = features(response)
    assert set(by_code) == {loaded.grid.code, loaded.sibling_grid.code, loaded.other_grid.code}
    grid = by_code[loaded.grid.code]["properties"]
    # open: dispatched + accepted + the 40-day-old received one = 3 (the closed one is not open)
    # received in the last 30 days: dispatched + accepted + closed = 3 (the 40-day-old one is outside)
    # overdue: the dispatched one past its deadline = 1
    assert (grid["open"], grid["received"], grid["overdue"]) == (3, 3, 1)
    sibling = by_code[loaded.sibling_grid.code]["properties"]
    assert (sibling["open"], sibling["received"], sibling["overdue"]) == (1, 1, 0)
    other = by_code[loaded.other_grid.code]["properties"]
    assert (other["open"], other["received"], other["overdue"]) == (1, 1, 0)
    assert other["township"] == loaded.other_township.name


def test_overdue_share_is_overdue_open_over_open(loaded, staff, world):
    by_code = features(client_for(staff.dispatcher).get(MAP_API))
    # world.grid: 1 overdue of 3 open = 0.3333; sibling: 0 of 1 = 0.0
    assert by_code[world.grid.code]["properties"]["overdue_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_code[world.sibling_grid.code]["properties"]["overdue_share"] == 0.0


def test_grid_without_open_demands_has_no_overdue_share(world, staff, walk):
    walk(Status.CLOSED)
    grid = features(client_for(staff.dispatcher).get(MAP_API))[world.grid.code]["properties"]
    assert (grid["open"], grid["received"], grid["overdue_share"]) == (0, 1, None)


def test_township_dispatcher_sees_only_their_townships_grids(loaded, staff):
    response = client_for(staff.township_dispatcher).get(MAP_API)
    assert set(features(response)) == {loaded.grid.code, loaded.sibling_grid.code}
    page = client_for(staff.township_dispatcher).get(reverse("insight:map"))
    codes = {f["properties"]["code"] for f in page_geojson(page)["features"]}
    assert codes == {loaded.grid.code, loaded.sibling_grid.code}
    assert loaded.other_grid.name not in page.content.decode()


def test_without_a_tile_server_the_page_carries_the_grid_shapes(loaded, staff, settings):
    settings.MAP_TILE_URL = ""
    response = client_for(staff.dispatcher).get(reverse("insight:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-tile-url=""' in html and "no-tiles" in html
    shapes = {f["properties"]["code"]: f["geometry"] for f in page_geojson(response)["features"]}
    assert shapes[loaded.grid.code] == RECTANGLE
    # A grid without a polygon is drawn as a circle at its centroid.
    sibling = loaded.sibling_grid
    assert shapes[sibling.code] == {"type": "Point", "coordinates": [float(sibling.lng), float(sibling.lat)]}


def test_tile_server_url_reaches_the_map(world, staff, settings):
    settings.MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    html = client_for(staff.dispatcher).get(reverse("insight:map")).content.decode()
    assert 'data-tile-url="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in html


def test_page_and_api_carry_the_same_counts(loaded, staff):
    client = client_for(staff.dispatcher)
    page = page_geojson(client.get(reverse("insight:map")))
    api = client.get(MAP_API).json()
    assert page["features"] == api["features"]


def test_no_personal_data_in_the_payload(loaded, staff):
    client = client_for(staff.dispatcher)
    for body in (client.get(MAP_API).content.decode(), client.get(reverse("insight:map")).content.decode()):
        assert "王秀英" not in body and "13812345678" not in body
        assert "138****5678" not in body  # not even masked: the map has no rows of demands


def test_without_javascript_a_table_lists_the_most_loaded_grids_first(loaded, staff):
    html = client_for(staff.dispatcher).get(reverse("insight:map")).content.decode()
    table = html[html.index("<table"):]
    # world.grid has 3 open demands, the other two grids 1 each (ties by code).
    assert table.index(loaded.grid.name) < table.index(loaded.sibling_grid.name)
    assert table.index(loaded.grid.name) < table.index(loaded.other_grid.name)


def test_grid_link_lists_exactly_the_counted_open_demands(loaded, staff):
    client = client_for(staff.dispatcher)
    body = client.get(MAP_API).json()
    grid = features(client.get(MAP_API))[loaded.grid.code]["properties"]
    for measure in ("open", "received"):
        listed = client.get(body["links"][measure] + loaded.grid.code)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == grid[measure]


def test_category_filter_counts_only_that_category(loaded, staff, world):
    client = client_for(staff.dispatcher)
    top = world.category.parent
    grid = features(client.get(MAP_API, {"category": top.code}))[world.grid.code]["properties"]
    # walk() classifies into sanitation.garbage; the received-only demands have no category:
    # open = dispatched + accepted = 2, received = dispatched + accepted + closed = 3
    assert (grid["open"], grid["received"]) == (2, 3)


@pytest.mark.parametrize("who", ["dispatcher", "township_dispatcher", "supervisor"])
def test_dispatchers_and_supervisors_may_open(world, staff, who):
    client = client_for(getattr(staff, who))
    assert client.get(reverse("insight:map")).status_code == 200
    assert client.get(MAP_API).status_code == 200


def test_superuser_may_open(world):
    admin = UserFactory(username="admin", role=Role.RESIDENT, is_superuser=True, is_staff=True)
    assert client_for(admin).get(reverse("insight:map")).status_code == 200


@pytest.mark.parametrize("who", ["handler", "grid_worker", "deputy", "resident"])
def test_other_roles_get_not_found(world, staff, who):
    client = client_for(getattr(staff, who))
    assert client.get(reverse("insight:map")).status_code == 404
    assert client.get(MAP_API).status_code == 404


def test_anonymous_visitors_are_sent_to_login(world):
    response = Client().get(reverse("insight:map"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert Client().get(MAP_API).status_code in (401, 403)


@pytest.mark.parametrize("query", [{"start": "2026-13-40"}, {"start": "2026-03-01", "end": "2026-02-01"},
                                   {"start": "0001-01-01"}, {"start": "2020-01-01", "end": "2026-01-01"},
                                   {"category": "no-such"}, {"end": "9999-12-31"}])
def test_bad_queries_are_refused_not_crashed(world, staff, query):
    client = client_for(staff.dispatcher)
    page_query = {**query, "category": "x"} if "category" in query else query
    assert client.get(reverse("insight:map"), page_query).status_code == 400
    response = client.get(MAP_API, query)
    # A date that is not one is malformed (400); an impossible period or an unknown category is refused (422).
    malformed = query.get("start") == "2026-13-40"
    assert (response.status_code, response.json()["code"]) == ((400, "invalid") if malformed else (422, "unprocessable"))
