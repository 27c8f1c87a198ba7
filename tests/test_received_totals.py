"""One "received in the period" (issue 13): the map of grids, the hotspots and the dashboard counted 1,225, 1,331 and
1,331 for the same period, because the map's total summed its grids and left out the demands located in no grid.
All three now count with figures.received_q; the map shows the demands on no grid on a line of their own."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demands.models import Demand
from demands.states import Status
from supervise.figures import local_day_start

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

MAP_API = "/api/v1/dashboard/map/"
HOTSPOTS_API = "/api/v1/dashboard/hotspots/"
DASHBOARD_API = "/api/v1/dashboard/"


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def received_at(demand, moment):
    Demand.objects.filter(pk=demand.pk).update(created_at=moment)


@pytest.fixture
def period(walk, world):
    """The 10 days ending yesterday, and a world that tests every edge of "received in the period": located in a
    grid or in none, in both townships, rejected and merged, the first and last moment of the period and the
    moments just outside it (local days, Asia/Shanghai)."""
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=9)
    inside = local_day_start(start) + dt.timedelta(days=2)
    counted = [
        (walk(Status.CLOSED), inside),
        (walk(Status.ACCEPTED), inside),
        (walk(Status.RECEIVED), inside),  # located in no grid
        (walk(Status.REJECTED), inside),
        (walk(Status.MERGED), inside),  # and the open demand it joined, also received now: outside the period
        (walk(Status.RECEIVED, township=world.other_township, grid=world.other_grid), inside),
        (walk(Status.DISPATCHED, unit=world.grid), local_day_start(start)),  # the period's first moment
        (walk(Status.RECEIVED, grid=world.sibling_grid),
         local_day_start(end + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)),  # its last
    ]
    outside = [
        (walk(Status.RECEIVED, grid=world.grid), local_day_start(start) - dt.timedelta(microseconds=1)),
        (walk(Status.CLOSED), local_day_start(end + dt.timedelta(days=1))),
    ]
    for demand, moment in counted + outside:
        received_at(demand, moment)
    return start, end, len(counted)


def totals(client, start, end) -> dict:
    day = {"start": start.isoformat(), "end": end.isoformat()}
    return {
        "map": client.get(MAP_API, day).json()["totals"]["received"],
        "hotspots": client.get(HOTSPOTS_API, day).json()["received"],
        "dashboard": client.get(DASHBOARD_API, {"date_from": day["start"], "date_to": day["end"]})
        .json()["figures"]["received"]["value"],
        "map page": client.get(reverse("insight:map"), day).context["totals"]["received"],
        "hotspots page": client.get(reverse("insight:hotspots"), day).context["figures"].received,
    }


def test_map_hotspots_and_dashboard_count_the_same_demands_received(period, staff):
    start, end, expected = period

    assert totals(client_for(staff.dispatcher), start, end) == dict.fromkeys(
        ["map", "hotspots", "dashboard", "map page", "hotspots page"], expected)


def test_a_township_dispatcher_gets_one_total_on_all_three(period, staff):
    start, end, expected = period

    assert set(totals(client_for(staff.township_dispatcher), start, end).values()) == {expected - 1}


def test_the_map_says_how_many_it_counts_on_no_grid(period, staff, world):
    start, end, _expected = period
    client = client_for(staff.dispatcher)

    body = client.get(MAP_API, {"start": start.isoformat(), "end": end.isoformat()}).json()

    on_grids = sum(f["properties"]["received"] for f in body["features"])
    # Located in no grid: the demand received without a grid, and the rejected and merged ones never located.
    assert body["totals"]["off_map"]["received"] == body["totals"]["received"] - on_grids == 3
    page = client.get(reverse("insight:map"), {"start": start.isoformat(), "end": end.isoformat()})
    assert "其中未定位到地图上任何网格的：本期受理 3 件" in page.content.decode()
