"""Place names on the map of grids are text, never markup: a township or grid named like an HTML tag shows as
those characters in a real Chromium, and nothing it spells out is built or run."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from .browser import browser, expect, goto, new_page, zh  # noqa: F401 (browser is a fixture)
from .conftest import PASSWORD

TOWNSHIP = "<img src=x onerror=alert(1)>"
GRID = '<img src=x onerror="document.title=1">网格'
COMMUNITY = "<b>社区</b>"
# The grid's boundary holds every other point, so the map is fitted to it and its middle is inside it.
RECTANGLE = {"type": "Polygon", "coordinates": [[[106.70, 31.80], [106.80, 31.80], [106.80, 31.90], [106.70, 31.90],
                                                 [106.70, 31.80]]]}


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # login counters of earlier tests share the loopback address with the browser
    yield
    cache.clear()


@pytest.fixture
def hostile_names(world):
    """Names an administrator could type into the places admin: the first township, its community and one grid."""
    world.township.name = TOWNSHIP
    world.township.save()
    world.grid.community.name = COMMUNITY
    world.grid.community.save()
    world.grid.name, world.grid.polygon = GRID, RECTANGLE
    world.grid.save()
    world.other_grid.lat, world.other_grid.lng = "31.810000", "106.790000"  # a second township, so labels show
    world.other_grid.save()
    return world


def test_the_map_api_hands_the_names_over_as_data(hostile_names, staff):
    client = Client()
    client.force_login(staff.dispatcher)

    features = client.get("/api/v1/dashboard/map/").json()["features"]
    page = client.get(reverse("insight:map")).content.decode()

    grid = next(f["properties"] for f in features if f["properties"]["code"] == hostile_names.grid.code)
    assert (grid["name"], grid["township"], grid["community"]) == (GRID, TOWNSHIP, COMMUNITY)
    data = page.split('id="insight-map-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert TOWNSHIP not in data and TOWNSHIP in json.dumps(json.loads(data), ensure_ascii=False)  # escaped, intact


def test_hostile_place_names_show_as_text_on_the_map(hostile_names, dispatcher, live_server, browser):
    page = new_page(browser, phone=False)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    goto(page, f"{live_server.url}/accounts/login/")
    page.get_by_label(zh("Username")).fill(dispatcher.username)
    page.get_by_label(zh("Password")).fill(PASSWORD)
    page.get_by_role("button", name=zh("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Workbench"))

    goto(page, f"{live_server.url}{reverse('insight:map')}")
    the_map = page.locator("#insight-map")
    expect(the_map.locator(".township-label").first).to_be_visible()

    # The township labels are permanent; the grid's tooltip and popup open over its polygon.
    expect(the_map.locator(".township-label", has_text=TOWNSHIP)).to_have_count(1)
    the_map.scroll_into_view_if_needed()
    box = the_map.bounding_box()
    x, y = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.6  # inside the grid, clear of the circles
    page.mouse.move(x, y)
    page.mouse.move(x + 3, y + 3)
    expect(the_map.locator(".leaflet-tooltip", has_text=GRID)).to_have_count(1)
    page.mouse.click(x, y)
    popup = the_map.locator(".grid-popup")
    expect(popup).to_contain_text(GRID)
    expect(popup).to_contain_text(COMMUNITY)

    assert the_map.locator("img").count() == 0  # no tiles are configured: any <img> would be a name's markup
    assert the_map.locator("b").count() == 0
    assert dialogs == [] and page.title() != "1"
    page.context.close()
