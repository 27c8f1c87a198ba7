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


def test_each_role_sees_what_waits_for_them(walk, staff, world):
    received = walk(Status.RECEIVED)
    dispatched = walk(Status.DISPATCHED)
    resolved = walk(Status.RESOLVED)
    for_grid = walk(Status.DISPATCHED, unit=world.grid)

    dispatcher = page_for(staff.dispatcher)
    assert received.tracking_code in dispatcher and dispatched.tracking_code not in dispatcher
    handler = page_for(staff.handler)
    assert dispatched.tracking_code in handler and resolved.tracking_code not in handler
    grid_worker = page_for(staff.grid_worker)
    assert for_grid.tracking_code in grid_worker and dispatched.tracking_code not in grid_worker
    supervisor = page_for(staff.supervisor)
    assert resolved.tracking_code in supervisor and received.tracking_code not in supervisor


def test_pending_extension_request_waits_for_the_dispatcher(walk, staff):
    demand = walk(Status.ACCEPTED)
    assert demand.tracking_code not in page_for(staff.dispatcher)
    services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=2, reason="需等待配件")
    assert demand.tracking_code in page_for(staff.dispatcher)


def test_filters_and_search_narrow_the_list(walk, staff, world):
    lamp = walk(Status.RECEIVED, content="白鹤村3组的路灯坏了半个月", demand_type="complaint")
    water = walk(Status.RECEIVED, content="小区停水两天了", township=world.other_township)
    page = page_for(staff.dispatcher, "?tab=all&q=路灯")
    assert lamp.tracking_code in page and water.tracking_code not in page
    page = page_for(staff.dispatcher, f"?tab=all&township={world.other_township.pk}")
    assert water.tracking_code in page and lamp.tracking_code not in page
    page = page_for(staff.dispatcher, "?tab=all&type=complaint&status=received")
    assert lamp.tracking_code in page and water.tracking_code not in page
    page = page_for(staff.dispatcher, f"?tab=all&q={lamp.tracking_code[:7]}")
    assert lamp.tracking_code in page


def test_unit_and_grid_filters(walk, staff, world):
    to_dept = walk(Status.DISPATCHED, unit=world.department)
    to_grid = walk(Status.DISPATCHED, unit=world.grid)
    page = page_for(staff.dispatcher, f"?tab=all&unit=department:{world.department.pk}")
    assert to_dept.tracking_code in page and to_grid.tracking_code not in page
    page = page_for(staff.dispatcher, f"?tab=all&grid={world.grid.code}&status=dispatched")
    assert to_grid.tracking_code in page


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
        listed = {d["tracking_code"] for d in api.get(f"/api/v1/demands/?{api_query}").json()["results"]}
        shown = {code for code in listed if code in page}
        assert shown == listed, page_query
    assert to_dept.tracking_code in page_for(staff.dispatcher, f"?tab=all&unit=department:{world.department.pk}")
