"""Automatic classification and dispatch right after receive (demands.routing), recorded as the system."""

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from demands import services
from demands.models import DemandEvent, Urgency
from demands.states import Status

from .factories import CategoryFactory, DepartmentFactory

# Hand-written texts (not in the corpus) the classifier is sure about (both confidences about 0.99).
GARBAGE = "我要投诉：莲花社区菜市场的垃圾桶一个星期没人收了，垃圾堆得满地都是，请尽快整改。"
WAGES = "我要投诉：在滨河路工地干了大半年，包工头一直拖欠工资不给，要求尽快解决并回复。"
VAGUE = "你好，想说个事情。"


@pytest.fixture(autouse=True)
def auto_dispatch(settings):
    settings.AUTO_DISPATCH_ENABLED = True
    settings.AUTO_CLASSIFY_CONFIDENCE = 0.85
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def labour_department(world):
    top = CategoryFactory(code="labor_employment", name="劳动就业")
    wages = CategoryFactory(code="labor_employment.wage_arrears", name="拖欠工资", parent=top)
    department = DepartmentFactory(name="巴州区人力资源和社会保障局", short_name="区人社局")
    department.categories.add(top, wages)
    return department


def receive(world, content, **kwargs):
    fields = {"type": "help", "content": content, "grid": world.grid, **kwargs}
    return services.demand_receive(actor=None, **fields)


def test_a_confident_grid_level_demand_is_dispatched_by_the_system_to_its_grid(world, grid_worker):
    demand = receive(world, GARBAGE)
    assert demand.status == Status.DISPATCHED
    assert demand.unit_grid == world.grid
    assert (demand.type, demand.category) == ("complaint", world.category)
    assert demand.resolve_deadline is not None  # the SLA clock runs as for any dispatch


def test_a_grid_level_matter_in_a_grid_without_a_grid_worker_goes_to_the_department(world):
    demand = receive(world, GARBAGE)
    assert demand.status == Status.DISPATCHED
    assert demand.unit_department == world.department  # the one department handling sanitation


def test_a_confident_department_level_demand_is_dispatched_to_its_department(world, grid_worker, labour_department):
    demand = receive(world, WAGES)
    assert demand.status == Status.DISPATCHED
    assert demand.unit_department == labour_department
    assert demand.category.code == "labor_employment.wage_arrears"


def test_the_events_say_the_system_classified_and_dispatched(world, grid_worker):
    demand = receive(world, GARBAGE)
    events = list(demand.events.order_by("id"))
    assert [e.action for e in events] == ["receive", "classify", "dispatch"]
    for event in events[1:]:
        assert event.actor_kind == DemandEvent.ActorKind.SYSTEM
        assert event.actor is None
    assert events[2].data["unit_kind"] == "grid"


def test_an_unsure_demand_stays_received_for_the_dispatcher_with_its_suggestion(world, grid_worker):
    demand = receive(world, VAGUE)
    assert demand.status == Status.RECEIVED
    assert demand.unit is None
    assert demand.suggestion_confidence is not None and demand.suggestion_confidence < 0.85
    assert [e.action for e in demand.events.all()] == ["receive"]


def test_a_demand_whose_category_no_department_or_grid_takes_alone_stays_received(world, grid_worker,
                                                                                  labour_department):
    second = DepartmentFactory(name="巴州区总工会", short_name="区总工会")
    second.categories.add(labour_department.categories.get(code="labor_employment.wage_arrears"))
    demand = receive(world, WAGES)
    assert demand.status == Status.RECEIVED


def test_a_demand_addressed_to_a_deputy_goes_to_the_deputy_not_auto_routed(world, grid_worker):
    demand = receive(world, GARBAGE, channel="qr", deputy=world.deputy_record)
    assert demand.unit_deputy == world.deputy_record
    assert [e.action for e in demand.events.all()] == ["receive", "route"]


def test_an_urgent_demand_is_left_for_the_dispatcher(world, grid_worker):
    demand = receive(world, GARBAGE, urgency=Urgency.URGENT)
    assert demand.status == Status.RECEIVED


def test_a_demand_without_a_grid_is_left_for_the_dispatcher(world, grid_worker):
    demand = services.demand_receive(actor=None, type="help", content=GARBAGE, township=world.township)
    assert demand.status == Status.RECEIVED
    assert demand.suggested_category == world.category


def test_a_hotline_demand_is_left_for_the_dispatcher(world, grid_worker):
    demand = receive(world, GARBAGE, channel="hotline")
    assert demand.status == Status.RECEIVED


def test_a_resident_category_other_than_the_suggestion_is_left_for_the_dispatcher(world, grid_worker,
                                                                                  labour_department):
    demand = receive(world, GARBAGE, category=labour_department.categories.get(code="labor_employment.wage_arrears"))
    assert demand.status == Status.RECEIVED


def test_nothing_is_automatic_when_the_setting_is_off(world, grid_worker, settings):
    settings.AUTO_DISPATCH_ENABLED = False
    demand = receive(world, GARBAGE)
    assert demand.status == Status.RECEIVED
    assert demand.suggested_category == world.category  # the suggestion is still stored


def test_a_higher_threshold_leaves_even_a_confident_demand_to_the_dispatcher(world, grid_worker, settings):
    settings.AUTO_CLASSIFY_CONFIDENCE = 1.01
    assert receive(world, GARBAGE).status == Status.RECEIVED


def test_api_intake_is_routed_the_same_way(world, grid_worker):
    response = APIClient().post("/api/v1/demands/", {"type": "help", "content": GARBAGE, "grid": world.grid.code},
                                format="json")
    assert response.status_code == 201
    assert response.json()["status"] == Status.DISPATCHED
    demand = world.grid.assigned_demands.get()
    assert demand.events.filter(action="dispatch", actor_kind=DemandEvent.ActorKind.SYSTEM).exists()


def test_the_dispatcher_sees_the_suggestion_with_its_confidence(world, grid_worker, dispatcher, client):
    demand = receive(world, VAGUE)
    demand.suggested_category = world.category
    demand.suggestion_confidence = 0.92
    demand.save(update_fields=["suggested_category", "suggestion_confidence"])
    client.force_login(dispatcher)
    with translation.override("zh-hans"):
        page = client.get(f"/staff/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        label = _("System suggestion")
    assert label in page
    assert "市容环卫 / 垃圾清运" in page and "92%" in page


def test_the_system_may_classify_and_dispatch_but_gains_no_other_right(world, walk):
    from core.actors import SYSTEM
    from demands.permissions import CAN
    from demands.states import Action

    demand = walk(Status.RECEIVED)
    assert CAN[Action.CLASSIFY](SYSTEM, demand) and CAN[Action.DISPATCH](SYSTEM, demand)
    assert not CAN[Action.REJECT](SYSTEM, demand) and not CAN[Action.REASSIGN](SYSTEM, demand)


def test_the_suggestion_on_the_demand_page_costs_no_extra_query(world, grid_worker, dispatcher, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    suggested = receive(world, VAGUE)
    plain = receive(world, VAGUE)
    suggested.suggested_category = world.category  # a sub-category: its name shows with its parent's
    suggested.save(update_fields=["suggested_category"])
    client.force_login(dispatcher)
    counts = []
    for demand in (plain, suggested):
        with CaptureQueriesContext(connection) as captured:
            assert "suggestion" in client.get(f"/staff/demands/{demand.pk}/").content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_resident_who_submitted_does_not_see_the_suggestion(world, resident, client):
    demand = services.demand_receive(actor=resident, type="help", content=GARBAGE, township=world.township)
    assert demand.suggestion_confidence is not None
    client.force_login(resident)
    response = client.get(f"/staff/demands/{demand.pk}/", follow=True)
    assert response.redirect_chain == [(f"/track/{demand.tracking_code}/", 302)]
    page = response.content.decode()
    assert demand.tracking_code in page and 'class="suggestion"' not in page
