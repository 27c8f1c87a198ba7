"""Where is it? A resident (or a staff member recording a demand) may put a pin on the district's map instead of, or
as well as, choosing from the lists: the point alone places the demand in its grid, a point outside the district or
anything that is not a point is refused with a clear message and nothing is created. The staff demand page shows the
point beside the photos to those who may open it; public pages never show it."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from demands.models import Demand

from .browser import zh
from .conftest import PASSWORD

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
CONTENT = "小区门口路灯坏了一周了，晚上很黑，老人出门不方便。"


def rectangle(south, west, north, east):
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # per-address submit limits of earlier tests
    yield
    cache.clear()


@pytest.fixture
def mapped(world):
    """The first township's grid and the second township's grid with boundaries far apart."""
    world.grid.polygon = rectangle(31.80, 106.70, 31.90, 106.80)
    world.grid.save()
    world.other_grid.polygon = rectangle(31.95, 106.85, 32.05, 106.95)
    world.other_grid.lat, world.other_grid.lng = "32.000000", "106.900000"
    world.other_grid.save()
    return world


def submit(**fields):
    return Client(**ZH).post(reverse("demands:submit"), {"type": "help", "content": CONTENT, **fields})


def text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the resident's form


def test_a_pin_without_any_list_chosen_places_the_demand_in_the_grid_it_lies_in(mapped):
    response = submit(lat="32.000000", lng="106.900000")

    demand = Demand.objects.get()
    assert response.status_code == 302
    assert (demand.grid, demand.community, demand.township) == (
        mapped.other_grid, mapped.other_grid.community, mapped.other_township)
    assert (str(demand.lat), str(demand.lng)) == ("32.000000", "106.900000")


def test_the_lists_chosen_stay_the_place_and_the_pin_is_kept_beside_them(mapped):
    submit(township=str(mapped.township.pk), lat="31.850000", lng="106.750000")

    demand = Demand.objects.get()
    assert demand.township == mapped.township and str(demand.lat) == "31.850000"


def test_the_lists_alone_still_work_without_a_pin(mapped):
    response = submit(township=str(mapped.township.pk), community=str(mapped.grid.community_id),
                      grid=str(mapped.grid.pk))

    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.grid == mapped.grid and demand.lat is None


def test_without_a_pin_or_a_township_the_township_is_asked_for(mapped):
    response = submit()

    assert response.status_code == 400 and not Demand.objects.exists()
    assert zh("This field is required.") in text(response)


def test_a_pin_outside_the_district_is_refused_and_nothing_is_created(mapped):
    response = submit(lat="39.904200", lng="116.407400")  # Beijing

    assert response.status_code == 400 and not Demand.objects.exists()
    assert "这个位置不在本区范围内" in text(response)


@pytest.mark.parametrize("lat, lng", [
    ("abc", "106.75"),
    ("31.85\x00", "106.75"),
    ("31.85", "1" * 100_000),
    ("NaN", "106.75"),
    ("1e999999", "106.75"),
    ("95", "106.75"),
    ("31.85", ""),
])
def test_a_point_that_is_not_a_point_is_refused_with_a_clear_message(mapped, lat, lng):
    response = submit(township=str(mapped.township.pk), lat=lat, lng=lng)

    assert response.status_code == 400 and not Demand.objects.exists()
    assert "无法读取地图上选的位置" in text(response)


def test_the_form_offers_the_map_only_to_be_switched_on_by_its_script(mapped):
    html = text(Client(**ZH).get(reverse("demands:submit")))

    picker = re.search(r"<div class=\"place-picker\"[^>]*>", html).group(0)
    assert " hidden" in picker  # without JavaScript the lists do the job
    assert 'name="lat"' in html and 'name="lng"' in html and "js/placemap.js" in html
    assert "leaflet.js\" defer" not in html  # Leaflet loads only when the map is opened


def test_pages_without_a_place_picker_load_no_map(mapped):
    html = text(Client(**ZH).get(reverse("demands:track")))

    assert "placemap.js" not in html and "leaflet" not in html


# ---------------------------------------------------------------- the picker's two answers


def test_locating_a_point_answers_the_three_lists_to_fill(mapped):
    answer = Client().get(reverse("grids:locate"), {"lat": "31.85", "lng": "106.75"}).json()

    assert (answer["township"]["id"], answer["community"]["id"], answer["grid"]["id"]) == (
        mapped.township.pk, mapped.grid.community_id, mapped.grid.pk)
    assert {g["id"] for g in answer["grids"]} == {mapped.grid.pk, mapped.sibling_grid.pk}
    assert mapped.grid.community_id in {c["id"] for c in answer["communities"]}


def test_locating_outside_the_district_or_nonsense_answers_a_message(mapped):
    outside = Client(**ZH).get(reverse("grids:locate"), {"lat": "39.9", "lng": "116.4"})
    nonsense = Client(**ZH).get(reverse("grids:locate"), {"lat": "x" * 5000, "lng": "106.75"})

    assert outside.status_code == 422 and "不在本区范围内" in outside.json()["detail"]
    assert nonsense.status_code == 400 and nonsense.json()["detail"]


def test_locating_is_limited_per_address_and_the_picker_reads_why(mapped, settings):
    settings.PAGE_LOCATE_LIMIT = 2
    client = Client(**ZH)
    point = {"lat": "31.85", "lng": "106.75"}

    answers = [client.get(reverse("grids:locate"), point) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "请求过于频繁" in answers[-1].json()["detail"]
    # Another address still has its own budget.
    assert Client(REMOTE_ADDR="198.51.100.7").get(reverse("grids:locate"), point).status_code == 200


def test_the_outlines_are_every_grid_with_its_name_and_no_load(mapped):
    data = Client().get(reverse("grids:outlines")).json()

    by_id = {f["id"]: f for f in data["features"]}
    assert by_id[mapped.grid.pk]["geometry"]["type"] == "Polygon"
    assert by_id[mapped.sibling_grid.pk]["geometry"]["type"] == "Point"
    assert set(by_id[mapped.grid.pk]["properties"]) == {"name"}


# ---------------------------------------------------------------- staff


def signed_in(user) -> Client:
    client = Client(**ZH)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_dispatcher_recording_a_call_may_place_it_by_a_pin_alone(mapped, dispatcher):
    response = signed_in(dispatcher).post(reverse("demands:record"), {
        "channel": "phone", "type": "help", "content": CONTENT, "lat": "31.850000", "lng": "106.750000"})

    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.grid == mapped.grid


@pytest.fixture
def pinned(mapped, walk):
    return walk("received", township=None, lat="31.850000", lng="106.750000")


def test_the_staff_page_shows_the_point_on_a_map_beside_the_photos(pinned, dispatcher):
    html = text(signed_in(dispatcher).get(reverse("demands:detail", args=[pinned.pk])))

    assert "位置与照片" in html
    assert 'data-point-lat="31.850000"' in html and 'data-point-lng="106.750000"' in html
    assert 'id="point-map-outline"' in html  # the grid's outline rides along


def test_staff_outside_the_scope_see_no_point(pinned, other_township_dispatcher):
    response = signed_in(other_township_dispatcher).get(reverse("demands:detail", args=[pinned.pk]))

    assert response.status_code == 404 and "106.750000" not in text(response)


def test_a_demand_without_a_point_has_no_map(mapped, walk, dispatcher):
    demand = walk("received")

    html = text(signed_in(dispatcher).get(reverse("demands:detail", args=[demand.pk])))

    assert "data-point-map" not in html and "placemap.js" not in html


def test_the_public_tracking_page_never_shows_the_point(pinned):
    response = Client(**ZH).get(reverse("demands:track_detail", args=[pinned.tracking_code]))

    html = text(response)
    assert response.status_code == 200 and pinned.public_no in html
    assert pinned.township.name in html  # the coarse place stays, as before
    assert "31.85" not in html and "106.75" not in html and "data-point" not in html and "leaflet" not in html
