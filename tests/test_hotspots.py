"""Hotspots: category × place pairs rising against the previous period, ranked by (cur − prev) / √(prev + 1), and
the period's frequent terms; every figure links to the workbench list of exactly the demands it counts."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demands import services
from demands.models import Demand
from demands.text import STOP_WORDS
from supervise.hotspots import rising_score

from .conftest import PASSWORD
from .factories import CategoryFactory

pytestmark = pytest.mark.django_db

HOTSPOTS_API = "/api/v1/dashboard/hotspots/"

# The default period is the last 30 days (today included); the previous one the 30 days before.
CURRENT, PREVIOUS = 3, 40  # days ago


def client_for(user):
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def receive(n, *, category, township, grid=None, days_ago=CURRENT, content="垃圾桶满了没人清运，希望尽快处理这个问题。"):
    for _ in range(n):
        demand = services.demand_receive(actor=None, type="complaint", content=content, category=category,
                                         township=township, grid=grid, contact_name="王秀英",
                                         contact_phone="13812345678")
        Demand.objects.filter(pk=demand.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))


@pytest.fixture
def water(world):
    top = CategoryFactory(code="water_power_gas", name="水电气暖")
    return CategoryFactory(code="water_power_gas.water_outage", name="停水断水", parent=top)


@pytest.fixture
def rising(world, water):
    """Sanitation in world.township (in world.grid) rises 1 → 6; water in the other township stays 5 → 5."""
    receive(1, category=world.category, township=world.township, grid=world.grid, days_ago=PREVIOUS)
    receive(6, category=world.category, township=world.township, grid=world.grid)
    receive(5, category=water, township=world.other_township, days_ago=PREVIOUS,
            content="小区停水两天了，自来水一直没来。")
    receive(5, category=water, township=world.other_township, content="小区停水两天了，自来水一直没来。")
    return world


def pairs(body, key="by_township"):
    return [(row["category"], row.get("grid") or row["township"], row["current"], row["previous"])
            for row in body[key]]


def test_rising_pair_ranks_first_and_flat_pair_is_left_out(rising, staff):
    body = client_for(staff.dispatcher).get(HOTSPOTS_API).json()
    assert pairs(body) == [("sanitation", rising.township.code, 6, 1)]
    assert pairs(body, "by_grid") == [("sanitation.garbage", rising.grid.code, 6, 1)]
    row = body["by_township"][0]
    # (6 − 1) / √(1 + 1) = 3.5355…
    assert (row["change"], row["score"]) == (5, pytest.approx(3.54, abs=0.01))


def test_a_large_base_that_doubles_outranks_a_small_one_that_quadruples(world, water, staff):
    receive(1, category=world.category, township=world.township, days_ago=PREVIOUS)
    receive(4, category=world.category, township=world.township)
    receive(10, category=water, township=world.other_township, days_ago=PREVIOUS)
    receive(20, category=water, township=world.other_township)
    body = client_for(staff.dispatcher).get(HOTSPOTS_API).json()
    # 10 → 20: 10 / √11 = 3.02;  1 → 4: 3 / √2 = 2.12 (though +300 % against +100 %)
    assert pairs(body) == [("water_power_gas", world.other_township.code, 20, 10),
                           ("sanitation", world.township.code, 4, 1)]
    assert rising_score(20, 10) > rising_score(4, 1) > rising_score(2, 1)


def test_fewer_than_three_in_the_period_do_not_qualify(world, staff):
    receive(2, category=world.category, township=world.township)  # 0 → 2
    assert client_for(staff.dispatcher).get(HOTSPOTS_API).json()["by_township"] == []


def test_township_row_links_to_exactly_the_counted_demands(rising, staff):
    client = client_for(staff.dispatcher)
    row = client.get(HOTSPOTS_API).json()["by_township"][0]
    listed = client.get(row["url"])
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == row["current"] == 6


def test_grid_row_links_to_exactly_the_counted_demands(rising, staff):
    client = client_for(staff.dispatcher)
    row = client.get(HOTSPOTS_API).json()["by_grid"][0]
    assert client.get(row["url"]).context["page"].paginator.count == row["current"] == 6


def test_page_shows_counts_and_links(rising, staff):
    html = client_for(staff.dispatcher).get(reverse("insight:hotspots")).content.decode()
    body = client_for(staff.dispatcher).get(HOTSPOTS_API).json()
    assert body["by_township"][0]["url"].replace("&", "&amp;") in html


def test_top_terms_hold_the_repeated_civic_word_and_no_stop_words(world, staff):
    for place in ("白鹤村", "莲花社区", "红星村", "向阳社区"):
        receive(1, category=world.category, township=world.township,
                content=f"希望尽快处理：{place}的路灯坏了，晚上一片漆黑，反映多次没有解决这个问题。")
    receive(1, category=world.category, township=world.township, content="菜市场门口垃圾没人清运")
    terms = client_for(staff.dispatcher).get(HOTSPOTS_API).json()["terms"]
    counts = {t["term"]: t["count"] for t in terms}
    assert counts["路灯"] == 4
    assert not set(counts) & STOP_WORDS
    assert not {"希望", "尽快", "反映", "问题", "处理"} & set(counts)


def test_term_link_lists_the_periods_demands_with_that_word(world, staff):
    receive(3, category=world.category, township=world.township, content="小区路灯不亮已经一个月了")
    receive(1, category=world.category, township=world.township, content="小区路灯不亮", days_ago=PREVIOUS)
    client = client_for(staff.dispatcher)
    term = next(t for t in client.get(HOTSPOTS_API).json()["terms"] if t["term"] == "路灯")
    assert client.get(term["url"]).context["page"].paginator.count == term["count"] == 3


def test_township_dispatcher_sees_only_their_township(rising, staff, water):
    receive(1, category=water, township=rising.other_township, days_ago=PREVIOUS)
    receive(8, category=water, township=rising.other_township)  # rises elsewhere
    client = client_for(staff.township_dispatcher)
    body = client.get(HOTSPOTS_API).json()
    assert [p[1] for p in pairs(body)] == [rising.township.code]
    assert body["received"] == 6
    assert client.get(HOTSPOTS_API, {"township": rising.other_township.code}).status_code == 422
    page = client.get(reverse("insight:hotspots"), {"township": rising.other_township.pk})
    assert page.status_code == 400
    assert rising.other_township.name not in client.get(reverse("insight:hotspots")).content.decode()


def test_district_dispatcher_may_narrow_to_one_township(rising, staff):
    body = client_for(staff.dispatcher).get(HOTSPOTS_API, {"township": rising.other_township.code}).json()
    assert body["by_township"] == [] and body["received"] == 5


def test_no_personal_data_on_the_page_or_in_the_api(rising, staff):
    client = client_for(staff.dispatcher)
    for body in (client.get(HOTSPOTS_API).content.decode(), client.get(reverse("insight:hotspots")).content.decode()):
        assert "王秀英" not in body and "13812345678" not in body


@pytest.mark.parametrize("who", ["handler", "grid_worker", "deputy", "resident"])
def test_other_roles_get_not_found(world, staff, who):
    client = client_for(getattr(staff, who))
    assert client.get(reverse("insight:hotspots")).status_code == 404
    assert client.get(HOTSPOTS_API).status_code == 404


def test_supervisor_may_open_and_anonymous_is_sent_to_login(world, staff):
    assert client_for(staff.supervisor).get(reverse("insight:hotspots")).status_code == 200
    response = Client().get(reverse("insight:hotspots"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_explicit_period_is_compared_with_the_same_length_before_it(world, staff):
    body = client_for(staff.dispatcher).get(HOTSPOTS_API, {"start": "2026-03-01", "end": "2026-03-10"}).json()
    assert body["previous_period"] == {"start": "2026-02-19", "end": "2026-02-28"}


@pytest.mark.parametrize("query", [{"start": "x"}, {"start": "2026-03-02", "end": "2026-03-01"}, {"end": "0001-01-01"}])
def test_bad_period_is_refused_not_crashed(world, staff, query):
    client = client_for(staff.dispatcher)
    assert client.get(reverse("insight:hotspots"), query).status_code == 400
    # A date that is not one is malformed (400); a period that cannot be is a well-formed refusal (422).
    assert client.get(HOTSPOTS_API, query).status_code == (400 if query.get("start") == "x" else 422)
