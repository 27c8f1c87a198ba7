"""The workbench: what waits for each role, filters, search, and a bounded number of queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demands import services
from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def page_for(user, query=""):
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client.get(reverse("demands:workbench") + query).content.decode()


def lists(page, demand):
    """Staff see a demand by its public number; the resident's tracking code never appears on their pages."""
    assert demand.tracking_code not in page
    return demand.public_no in page


def test_each_role_sees_what_waits_for_them(walk, staff, world):
    received = walk(Status.RECEIVED)
    dispatched = walk(Status.DISPATCHED)
    resolved = walk(Status.RESOLVED)
    for_grid = walk(Status.DISPATCHED, unit=world.grid)

    dispatcher = page_for(staff.dispatcher)
    assert lists(dispatcher, received) and not lists(dispatcher, dispatched)
    handler = page_for(staff.handler)
    assert lists(handler, dispatched) and not lists(handler, resolved)
    grid_worker = page_for(staff.grid_worker)
    assert lists(grid_worker, for_grid) and not lists(grid_worker, dispatched)
    supervisor = page_for(staff.supervisor)
    assert lists(supervisor, resolved) and not lists(supervisor, received)


def test_pending_extension_request_waits_for_the_dispatcher(walk, staff):
    demand = walk(Status.ACCEPTED)
    assert not lists(page_for(staff.dispatcher), demand)
    services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=2, reason="需等待配件")
    assert lists(page_for(staff.dispatcher), demand)


def test_filters_and_search_narrow_the_list(walk, staff, world):
    lamp = walk(Status.RECEIVED, content="白鹤村3组的路灯坏了半个月", demand_type="complaint")
    water = walk(Status.RECEIVED, content="小区停水两天了", township=world.other_township)
    page = page_for(staff.dispatcher, "?tab=all&q=路灯")
    assert lists(page, lamp) and not lists(page, water)
    page = page_for(staff.dispatcher, f"?tab=all&township={world.other_township.pk}")
    assert lists(page, water) and not lists(page, lamp)
    page = page_for(staff.dispatcher, "?tab=all&type=complaint&status=received")
    assert lists(page, lamp) and not lists(page, water)
    page = page_for(staff.dispatcher, f"?tab=all&q={lamp.public_no}")
    assert lists(page, lamp) and not lists(page, water)
    # The search finds public numbers only: a tracking code is the resident's, and staff never look it up.
    page = page_for(staff.dispatcher, f"?tab=all&q={lamp.tracking_code}")
    assert lamp.public_no not in page  # (the search box echoes what was typed)


def test_unit_and_grid_filters(walk, staff, world):
    to_dept = walk(Status.DISPATCHED, unit=world.department)
    to_grid = walk(Status.DISPATCHED, unit=world.grid)
    page = page_for(staff.dispatcher, f"?tab=all&unit=department:{world.department.pk}")
    assert lists(page, to_dept) and not lists(page, to_grid)
    page = page_for(staff.dispatcher, f"?tab=all&grid={world.grid.code}&status=dispatched")
    assert lists(page, to_grid)


def test_workbench_queries_do_not_grow_with_the_list(walk, staff):
    client = Client()
    client.login(username=staff.dispatcher.username, password=PASSWORD)
    walk(Status.DISPATCHED)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("demands:workbench") + "?tab=all")
    for _ in range(5):
        walk(Status.DISPATCHED)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("demands:workbench") + "?tab=all")
    assert len(many) == len(few)


def test_workbench_and_api_filters_agree(walk, staff, world):
    from rest_framework.test import APIClient

    from integrations.models import ApiToken

    to_dept = walk(Status.DISPATCHED, unit=world.department)
    walk(Status.DISPATCHED, unit=world.grid)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=staff.dispatcher, name='t')[1]}")
    for page_query, api_query in [(f"unit=department:{world.department.pk}", f"unit=department:{world.department.pk}"),
                                  (f"category={world.category.pk}", f"category={world.category.code}"),
                                  (f"grid={world.grid.code.lower()}", f"grid={world.grid.code}")]:
        page = page_for(staff.dispatcher, f"?tab=all&{page_query}")
        results = api.get(f"/api/v1/demands/?{api_query}").json()["results"]
        assert results and all("tracking_code" not in d for d in results), api_query
        listed = {d["public_no"] for d in results}
        shown = {number for number in listed if number in page}
        assert shown == listed, page_query
    assert lists(page_for(staff.dispatcher, f"?tab=all&unit=department:{world.department.pk}"), to_dept)
