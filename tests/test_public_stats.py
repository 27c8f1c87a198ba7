"""Public statistics per township: figures only, no personal data or content; cached because it is public."""

import pytest
from django.core.cache import cache

from demands.states import Status

DISTINCT_NAME = "欧阳翠花"
DISTINCT_PHONE = "13987654321"
DISTINCT_CONTENT = "紫藤巷十七号门前窨井盖缺失"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def distinctive(walk):
    return walk(Status.CLOSED, contact_name=DISTINCT_NAME, contact_phone=DISTINCT_PHONE, content=DISTINCT_CONTENT,
                address="紫藤巷17号")


def assert_no_personal_data(html, demand):
    for secret in (DISTINCT_NAME, DISTINCT_PHONE, DISTINCT_PHONE[-4:] + "</", DISTINCT_CONTENT, "紫藤巷",
                   demand.tracking_code, demand.reply):
        assert secret not in html


def test_district_page_lists_townships_without_personal_data(client, distinctive, world):
    response = client.get("/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.township.name in html and f"/stats/{world.township.code}/" in html
    assert response.context["this_year"]["received"] == 1
    assert_no_personal_data(html, distinctive)


def test_township_page_shows_figures_without_personal_data(client, distinctive, world):
    response = client.get(f"/stats/{world.township.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    # one demand, closed, solved, rated satisfied: 1 received, 1 closed, 100 % resolved and satisfied
    assert response.context["this_year"] == {"received": 1, "closed": 1, "resolution_rate": "100.0%",
                                              "on_time_rate": "100.0%", "satisfaction": "100.0%",
                                              "rating_coverage": "100.0%"}
    assert response.context["top_categories"] == [(world.category.parent.name, 1)]
    assert_no_personal_data(html, distinctive)


def test_other_townships_figures_do_not_leak_into_a_township(client, distinctive, world):
    response = client.get(f"/stats/{world.other_township.code}/")
    assert response.context["this_year"]["received"] == 0
    assert response.context["this_year"]["resolution_rate"] == "—"


def test_unknown_township_is_404(client, world):
    assert client.get("/stats/999999999/").status_code == 404


def test_pages_are_cached_for_ten_minutes(client, walk, world):
    client.get(f"/stats/{world.township.code}/")
    walk(Status.RECEIVED)
    # computed once, then served from the cache until it expires
    assert client.get(f"/stats/{world.township.code}/").context["this_year"]["received"] == 0
    cache.clear()
    assert client.get(f"/stats/{world.township.code}/").context["this_year"]["received"] == 1
