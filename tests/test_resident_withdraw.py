"""Issue 15, item 5 (withdraw): with the tracking code the resident takes back (撤回) a demand no unit has started
on. It ends as withdrawn (received, never closed); a unit it was dispatched to is told; once accepted it cannot be
withdrawn, and bad input, staff or a wrong code change nothing."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.actors import ResidentActor
from core.errors import NotFound, NotPermitted, TransitionNotAllowed
from demands import services
from demands.models import Demand
from demands.states import Status
from notifications.models import Notification
from supervise import figures
from supervise.selectors import DashboardFilters, period_demands

pytestmark = pytest.mark.django_db

WHY = "楼下物业已经派人修好了，不用再麻烦了。"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def withdraw(demand, **data):
    return Client().post(f"/track/{demand.tracking_code}/withdraw/", {"reason": WHY, **data})


def test_a_dispatched_demand_is_withdrawn_and_its_unit_is_told(walk, staff, django_capture_on_commit_callbacks):
    demand = walk(Status.DISPATCHED)  # held by the handler's department, not yet accepted
    page = Client().get(f"/track/{demand.tracking_code}/").content.decode()
    assert "撤回诉求" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = withdraw(demand)
    assert response.status_code == 302 and response["Location"] == f"/track/{demand.tracking_code}/"
    demand.refresh_from_db()
    assert demand.status == Status.WITHDRAWN and demand.closed_at is not None
    event = demand.events.get(action="withdraw")
    assert (event.note, event.actor_kind, event.public) == (WHY, "resident", True)
    after = Client().get(f"/track/{demand.tracking_code}/").content.decode()
    assert "已撤回" in after and WHY in after and "撤回诉求" not in after and "补充材料" not in after
    notice = Notification.objects.get(recipient=staff.handler, kind="withdrawn")
    assert demand.public_no in notice.title and WHY in notice.body
    # Off the unit's work: nothing left to accept.
    with pytest.raises(TransitionNotAllowed):
        services.demand_accept(demand_id=demand.pk, actor=staff.handler)


def test_a_department_asked_to_co_handle_it_is_told_too(walk, staff, world, django_capture_on_commit_callbacks):
    demand = walk(Status.DISPATCHED)
    services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=world.other_department)
    with django_capture_on_commit_callbacks(execute=True):
        assert withdraw(demand).status_code == 302
    notice = Notification.objects.get(recipient=staff.other_handler, kind="withdrawn")
    assert demand.public_no in notice.title and WHY in notice.body


def test_before_dispatch_nobody_is_told_and_the_reason_may_be_left_out(walk, django_capture_on_commit_callbacks):
    demand = walk(Status.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        assert withdraw(demand, reason="").status_code == 302
    assert Demand.objects.get(pk=demand.pk).status == Status.WITHDRAWN
    assert not Notification.objects.filter(demand=demand).exists()


@pytest.mark.parametrize("state", [Status.ACCEPTED, Status.RESOLVED, Status.CLOSED, Status.REJECTED])
def test_once_a_unit_started_or_it_ended_it_cannot_be_withdrawn(walk, state):
    demand = walk(state)
    assert "撤回诉求" not in Client().get(f"/track/{demand.tracking_code}/").content.decode()
    response = withdraw(demand)
    assert response.status_code == 409
    assert "不能再撤回" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == state
    assert not demand.events.filter(action="withdraw").exists()


@pytest.mark.parametrize("reason, message", [("坏" * 501, "500"), ("有\x00空字符", "空字符")])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(walk, reason, message):
    demand = walk(Status.CLASSIFIED)
    response = withdraw(demand, reason=reason)
    assert response.status_code == 400 and message in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Status.CLASSIFIED


def test_staff_and_other_residents_cannot_withdraw_it(walk, staff, resident):
    demand = walk(Status.DISPATCHED)
    for actor in (staff.dispatcher, staff.handler, resident, ResidentActor(demand.pk + 1)):
        # Staff who see it are refused; a resident who did not ask does not even see it.
        with pytest.raises((NotPermitted, NotFound)):
            services.demand_withdraw(demand_id=demand.pk, actor=actor)
    assert Demand.objects.get(pk=demand.pk).status == Status.DISPATCHED


def test_a_wrong_code_and_a_get_change_nothing(walk):
    demand = walk(Status.RECEIVED)
    assert Client().post("/track/ZZZZ-ZZZZ-ZZZZ/withdraw/", {"reason": WHY}).status_code == 404
    assert Client().get(f"/track/{demand.tracking_code}/withdraw/").status_code == 405
    assert Demand.objects.get(pk=demand.pk).status == Status.RECEIVED


def test_a_withdrawn_demand_counts_as_received_and_never_as_closed(walk, staff):
    demand = walk(Status.RECEIVED)
    day = timezone.localdate(demand.created_at)
    before = figures.totals(period_demands(staff.supervisor, DashboardFilters(date_from=day, date_to=day)))
    services.demand_withdraw(demand_id=demand.pk, actor=ResidentActor(demand.pk))
    after = figures.totals(period_demands(staff.supervisor, DashboardFilters(date_from=day, date_to=day)))
    assert (after.received, after.closed, after.resolved) == (before.received, before.closed, before.resolved)
    assert before.received >= 1
