"""The place picker in a real Chromium at 390 px: the resident opens the map, taps it, and the township, village
and grid lists fill in; the device's position does the same; the page never scrolls sideways and the demand sent is
placed where the pin is."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from demands.models import Demand

from .browser import (  # noqa: F401 (browser and trained_classifier are fixtures)
    axe_report, axe_violations, browser, expect, goto, new_page, shoot, trained_classifier, zh,
)
from .conftest import PASSWORD

# Only the first grid has a boundary and the other grids' centroids lie inside it, so the map is fitted to it and its
# middle is inside it.
RECTANGLE = {"type": "Polygon", "coordinates": [[[106.70, 31.80], [106.80, 31.80], [106.80, 31.90], [106.70, 31.90],
                                                 [106.70, 31.80]]]}


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # submit limits of earlier tests share the loopback address with the browser
    yield
    cache.clear()


@pytest.fixture
def mapped(world):
    world.grid.polygon = RECTANGLE
    world.grid.save()
    world.other_grid.lat, world.other_grid.lng = "31.810000", "106.790000"
    world.other_grid.save()
    return world


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_pin_on_the_map_fills_the_lists_on_a_phone(mapped, live_server, browser, trained_classifier):
    page = new_page(browser, phone=True)
    goto(page, f"{live_server.url}/submit/")
    assert page.evaluate("typeof window.L") == "undefined"  # nothing of the map loaded before it is opened

    page.get_by_text(zh("Choose the point on a map")).click()
    the_map = page.locator(".place-map.leaflet-container")
    expect(the_map).to_be_visible()
    expect(the_map.locator(".leaflet-overlay-pane canvas")).to_have_count(1)  # the outlines are drawn
    page.wait_for_timeout(300)  # fitBounds settles before the tap
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    expect(the_map.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("#id_grid")).to_have_value(str(mapped.grid.pk))
    expect(page.locator("#id_township")).to_have_value(str(mapped.township.pk))
    expect(page.locator("#id_community")).to_have_value(str(mapped.grid.community_id))
    expect(page.locator("[data-place-status]")).to_contain_text(mapped.grid.name)
    assert page.locator("#id_lat").input_value() and page.locator("#id_lng").input_value()
    assert no_sideways_scroll(page)
    found = axe_violations(page)
    assert not found, axe_report({"submit with the map open": found})
    shoot(page, "place-picker-phone")

    page.locator("#id_content").fill("小区门口路灯坏了一周了，晚上很黑，老人出门不方便。")
    page.get_by_role("button", name=zh("Submit")).click()
    expect(page.locator(".receipt")).to_be_visible()
    demand = Demand.objects.get()
    assert demand.grid == mapped.grid and demand.lat is not None


def test_my_location_fills_the_lists_without_opening_the_map(mapped, live_server, browser):
    page = new_page(browser, phone=True)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.85, "longitude": 106.75})
    goto(page, f"{live_server.url}/submit/")

    page.get_by_role("button", name=zh("Use my location")).click()

    expect(page.locator("#id_grid")).to_have_value(str(mapped.grid.pk))
    expect(page.locator("#id_lat")).to_have_value("31.850000")
    assert page.evaluate("typeof window.L") == "undefined"
    assert no_sideways_scroll(page)


def test_the_staff_page_draws_the_point_in_its_grid(mapped, dispatcher, walk, live_server, browser):
    demand = walk("received", township=None, lat="31.850000", lng="106.750000")
    page = new_page(browser, phone=True)
    goto(page, f"{live_server.url}/accounts/login/")
    page.get_by_label(zh("Username")).fill(dispatcher.username)
    page.get_by_label(zh("Password")).fill(PASSWORD)
    page.get_by_role("button", name=zh("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Workbench"))

    goto(page, f"{live_server.url}{reverse('demands:detail', args=[demand.pk])}")

    the_map = page.locator(".point-map.leaflet-container")
    expect(the_map).to_be_visible()
    expect(the_map.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(the_map.locator(".leaflet-overlay-pane canvas")).to_have_count(1)  # the grid's outline
    assert no_sideways_scroll(page)
