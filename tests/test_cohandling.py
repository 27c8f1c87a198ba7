"""Joint handling (主办/协办): a dispatcher asks departments to help the unit holding a demand; each co-handling
department sees the demand, is told, and gives one opinion by its own deadline; the lead unit resolves and the
figures credit the lead alone (docs/lifecycles.md#joint-handling)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from demands import services, sla
from demands.models import CoHandling, Demand, DemandEvent, Outcome
from demands.states import Action, Status
from integrations.models import ApiToken
from notifications.models import Notification
from supervise import figures
from supervise.selectors import DashboardFilters, period_demands

from .conftest import PASSWORD
from .factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

OPINION = "排水管网由我局负责，已安排三日内疏通雨水井。"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def signed_in(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=user, name='personal')[1]}")
    return client


def add_on_page(client, demand, **fields):
    data = {"add_cohandler-department": fields.pop("department"), **{f"add_cohandler-{k}": v for k, v in fields.items()}}
    return client.post(f"/staff/demands/{demand.pk}/add_cohandler/", data)


def opinion_on_page(client, demand, text=OPINION):
    return client.post(f"/staff/demands/{demand.pk}/cohandler_opinion/", {"cohandler_opinion-text": text})


def cohandled(walk, staff, world, state=Status.ACCEPTED):
    """A demand held by the handler's department, the other handler's department asked to co-handle it."""
    demand = walk(state)
    services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=world.other_department)
    return demand


# ---------------------------------------------------------------- the dispatcher adds a department


def test_dispatcher_adds_a_department_on_the_page_and_it_is_told_with_its_deadline(
        walk, staff, world, django_capture_on_commit_callbacks):
    demand = walk(Status.ACCEPTED)
    page = signed_in(staff.dispatcher).get(f"/staff/demands/{demand.pk}/").content.decode()
    assert "增加协办单位" in page and world.other_department.name in page
    with django_capture_on_commit_callbacks(execute=True):
        response = add_on_page(signed_in(staff.dispatcher), demand, department=world.other_department.pk,
                               note="请核实雨水井归属")
    assert response.status_code == 302
    row = CoHandling.objects.get(demand=demand)
    assert (row.department, row.state, row.request_note) == (world.other_department, "pending", "请核实雨水井归属")
    # By default the opinion is due halfway through what was left of the lead's window.
    halfway = row.created_at + (demand.resolve_deadline - row.created_at) / 2
    assert abs(row.due_at - halfway) < dt.timedelta(seconds=5)
    notice = Notification.objects.get(recipient=staff.other_handler, kind=Notification.Kind.COHANDLING_REQUESTED)
    assert demand.public_no in notice.title and "协办" in notice.title
    assert timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M") in notice.body
    assert world.department.short_name in notice.body  # the lead it helps
    assert not Notification.objects.filter(recipient=staff.handler, kind=Notification.Kind.COHANDLING_REQUESTED)
    # The demand stays with the lead, in its state, on its clock.
    demand.refresh_from_db()
    assert (demand.status, demand.unit_department) == (Status.ACCEPTED, world.department)


def test_the_resident_reads_that_a_department_helps_but_never_its_opinion(walk, staff, world):
    demand = cohandled(walk, staff, world)
    services.demand_cohandler_opinion(demand_id=demand.pk, actor=staff.other_handler, text=OPINION)
    page = Client().get(f"/track/{demand.tracking_code}/").content.decode()
    assert f"已请{world.other_department.short_name}协助办理您的诉求" in page
    assert OPINION not in page
    assert not DemandEvent.objects.get(demand=demand, action=Action.COHANDLER_OPINION).public


def test_a_chosen_day_runs_to_its_end_within_the_lead_deadline(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    today = timezone.localdate()
    row = services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher,
                                        department=world.other_department, due_date=today)
    assert timezone.localtime(row.due_at).date() == today
    assert timezone.localtime(row.due_at).time() == dt.time(23, 59) or row.due_at == demand.resolve_deadline


@pytest.mark.parametrize("days", [-1, 60], ids=["yesterday", "after the lead's deadline"])
def test_a_day_outside_the_bounds_is_refused_with_a_message_and_adds_nothing(walk, staff, world, days):
    demand = walk(Status.ACCEPTED)
    response = add_on_page(signed_in(staff.dispatcher), demand, department=world.other_department.pk,
                           due_date=(timezone.localdate() + dt.timedelta(days=days)).isoformat())
    assert response.status_code == 400
    assert "主办单位办理期限" in response.content.decode()
    assert not CoHandling.objects.filter(demand=demand).exists()


def test_the_lead_a_department_already_asked_or_an_inactive_one_cannot_be_added(walk, staff, world):
    demand = cohandled(walk, staff, world)
    closed_down = DepartmentFactory(is_active=False)
    for department, message in ((world.department, "主办单位"), (world.other_department, "已在协办"),
                                (closed_down, "请选择协办单位")):
        with pytest.raises(InvalidInput) as refused:
            services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=department)
        assert message in str(refused.value.field_errors["department"][0])
    assert CoHandling.objects.filter(demand=demand).count() == 1


def test_at_most_five_departments_co_handle_one_demand(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    for _ in range(services.MAX_COHANDLERS):
        services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=DepartmentFactory())
    with pytest.raises(TransitionNotAllowed):
        services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=DepartmentFactory())


def test_only_a_dispatcher_adds_and_only_while_a_unit_holds_the_demand(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    for actor in (staff.handler, staff.supervisor):
        with pytest.raises(NotPermitted):
            services.demand_add_cohandler(demand_id=demand.pk, actor=actor, department=world.other_department)
    resolved = walk(Status.RESOLVED)
    with pytest.raises(TransitionNotAllowed):
        services.demand_add_cohandler(demand_id=resolved.pk, actor=staff.dispatcher, department=world.other_department)
    assert not CoHandling.objects.exists()


# ---------------------------------------------------------------- the co-handling department


def test_the_co_handling_department_finds_the_demand_in_its_lists_and_opens_it(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    client = signed_in(staff.other_handler)
    assert demand.public_no not in client.get("/staff/?tab=all").content.decode()
    assert client.get(f"/staff/demands/{demand.pk}/").status_code == 404
    services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=world.other_department)
    assert demand.public_no in client.get("/staff/").content.decode()  # waiting for its opinion
    assert demand.public_no in client.get("/staff/?tab=all").content.decode()
    page = client.get(f"/staff/demands/{demand.pk}/").content.decode()
    assert 'id="action-cohandler_opinion"' in page and "本单位协办意见" in page  # the opinion form, open
    for lead_only in ("resolve", "return", "note", "request_extension"):
        assert f'id="action-{lead_only}"' not in page
    assert "王秀英" not in page and "13812345678" not in page  # name and phone are the lead's to see


def test_the_co_handling_department_gives_its_opinion_once_and_the_lead_is_told(
        walk, staff, world, django_capture_on_commit_callbacks):
    demand = cohandled(walk, staff, world)
    with django_capture_on_commit_callbacks(execute=True):
        response = opinion_on_page(signed_in(staff.other_handler), demand)
    assert response.status_code == 302
    row = CoHandling.objects.get(demand=demand)
    assert (row.state, row.opinion, row.answered_by) == ("answered", OPINION, staff.other_handler)
    notice = Notification.objects.get(recipient=staff.handler, kind=Notification.Kind.COHANDLING_OPINION)
    assert world.other_department.short_name in notice.body
    lead_page = signed_in(staff.handler).get(f"/staff/demands/{demand.pk}/").content.decode()
    assert OPINION in lead_page and "已反馈意见" in lead_page
    again = opinion_on_page(signed_in(staff.other_handler), demand, text="补充意见")
    assert again.status_code == 409 and "已对该诉求反馈过意见" in again.content.decode()
    assert CoHandling.objects.get(demand=demand).opinion == OPINION
    # Answered, it is no longer waiting on the department; the demand stays in its list.
    client = signed_in(staff.other_handler)
    assert demand.public_no not in client.get("/staff/").content.decode()
    assert demand.public_no in client.get("/staff/?tab=all").content.decode()


def test_an_empty_opinion_is_refused_with_a_message(walk, staff, world):
    demand = cohandled(walk, staff, world)
    response = opinion_on_page(signed_in(staff.other_handler), demand, text="   ")
    assert response.status_code == 400
    assert CoHandling.objects.get(demand=demand).state == "pending"


@pytest.mark.parametrize("action", ["resolve", "return", "accept", "note", "request_extension"])
def test_the_co_handling_department_does_nothing_the_lead_does(walk, staff, world, action):
    demand = cohandled(walk, staff, world, state=Status.DISPATCHED if action == "accept" else Status.ACCEPTED)
    body = {"outcome": "solved", "reply": "已处理", "reason": "非本单位", "text": "进展", "days": 3}
    response = api_as(staff.other_handler).post(f"/api/v1/demands/{demand.pk}/{action}/", body, format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    before = demand.status
    demand.refresh_from_db()
    assert demand.status == before and demand.unit_department == world.department


def test_a_department_asked_elsewhere_does_not_see_this_demand(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    third = DepartmentFactory()
    outsider = UserFactory(username="third_handler", role="handler", department=third)
    other = walk(Status.ACCEPTED)
    services.demand_add_cohandler(demand_id=other.pk, actor=staff.dispatcher, department=third)
    assert signed_in(outsider).get(f"/staff/demands/{demand.pk}/").status_code == 404
    assert api_as(outsider).post(f"/api/v1/demands/{demand.pk}/cohandler_opinion/", {"text": OPINION},
                                 format="json").status_code == 404


# ---------------------------------------------------------------- the lead resolves; overdue and missing opinions


def test_the_lead_resolves_with_an_opinion_missing_and_the_supervisor_sees_which(walk, staff, world):
    demand = cohandled(walk, staff, world)
    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply="已疏通完毕。")
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED
    event = DemandEvent.objects.get(demand=demand, action=Action.RESOLVE)
    assert event.data["opinions_missing"] == [world.other_department.short_name]
    page = signed_in(staff.supervisor).get(f"/staff/demands/{demand.pk}/").content.decode()
    assert "主办单位答复前该单位未反馈意见" in page
    # Too late now: the demand left the lead's hands.
    with pytest.raises(TransitionNotAllowed):
        services.demand_cohandler_opinion(demand_id=demand.pk, actor=staff.other_handler, text=OPINION)


def test_an_overdue_opinion_shows_to_the_lead_and_the_dispatcher(walk, staff, world):
    demand = cohandled(walk, staff, world)
    CoHandling.objects.filter(demand=demand).update(due_at=timezone.now() - dt.timedelta(hours=2))
    for user in (staff.handler, staff.dispatcher):
        assert "意见已逾期" in signed_in(user).get(f"/staff/demands/{demand.pk}/").content.decode()
    services.demand_cohandler_opinion(demand_id=demand.pk, actor=staff.other_handler, text=OPINION)
    assert DemandEvent.objects.get(demand=demand, action=Action.COHANDLER_OPINION).data["late"] is True
    page = signed_in(staff.handler).get(f"/staff/demands/{demand.pk}/").content.decode()
    assert "意见已逾期" not in page and "逾期反馈" in page


def test_default_deadline_is_a_working_day_when_the_lead_is_already_overdue(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    Demand.objects.filter(pk=demand.pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=1))
    row = services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=world.other_department)
    assert row.due_at > timezone.now()
    assert abs(row.due_at - sla.add_working_days(row.created_at, 1)) < dt.timedelta(seconds=5)


# ---------------------------------------------------------------- removing a department


def test_dispatcher_removes_a_pending_department_which_then_no_longer_sees_the_demand(walk, staff, world):
    demand = cohandled(walk, staff, world)
    response = signed_in(staff.dispatcher).post(f"/staff/demands/{demand.pk}/remove_cohandler/",
                                                {"remove_cohandler-department": world.other_department.pk})
    assert response.status_code == 302
    assert CoHandling.objects.get(demand=demand).state == "withdrawn"
    assert signed_in(staff.other_handler).get(f"/staff/demands/{demand.pk}/").status_code == 404
    assert f"{world.other_department.short_name}不再协助办理" in Client().get(
        f"/track/{demand.tracking_code}/").content.decode()
    # Asked again later: a new request, the withdrawn one kept on the record.
    services.demand_add_cohandler(demand_id=demand.pk, actor=staff.dispatcher, department=world.other_department)
    assert list(CoHandling.objects.filter(demand=demand).values_list("state", flat=True)) == ["withdrawn", "pending"]


def test_an_answered_department_cannot_be_removed(walk, staff, world):
    demand = cohandled(walk, staff, world)
    services.demand_cohandler_opinion(demand_id=demand.pk, actor=staff.other_handler, text=OPINION)
    with pytest.raises(TransitionNotAllowed):
        services.demand_remove_cohandler(demand_id=demand.pk, actor=staff.dispatcher,
                                         department=world.other_department)
    assert CoHandling.objects.get(demand=demand).opinion == OPINION


# ---------------------------------------------------------------- the API


def test_the_whole_round_through_the_api(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    due = (timezone.localdate() + dt.timedelta(days=1))
    due = min(due, timezone.localtime(demand.resolve_deadline).date())
    added = api_as(staff.dispatcher).post(f"/api/v1/demands/{demand.pk}/add_cohandler/",
                                          {"department": world.other_department.pk, "due_date": due.isoformat(),
                                           "note": "请核实"}, format="json")
    assert added.status_code == 200 and added.json()["status"] == "accepted"
    listed = api_as(staff.handler).get(f"/api/v1/demands/{demand.pk}/cohandlers/").json()
    assert [(r["department"]["id"], r["state"], r["overdue"]) for r in listed] == [
        (world.other_department.pk, "pending", False)]
    opinion = api_as(staff.other_handler).post(f"/api/v1/demands/{demand.pk}/cohandler_opinion/",
                                               {"text": OPINION}, format="json")
    assert opinion.status_code == 200
    listed = api_as(staff.dispatcher).get(f"/api/v1/demands/{demand.pk}/cohandlers/").json()
    assert listed[0]["opinion"] == OPINION and listed[0]["answered_by"]
    again = api_as(staff.other_handler).post(f"/api/v1/demands/{demand.pk}/cohandler_opinion/",
                                             {"text": OPINION}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


@pytest.mark.parametrize("department", [2**70, "1\x00", [1], True, "x" * 2000],
                         ids=["too large", "NUL", "list", "boolean", "huge text"])
def test_a_department_that_cannot_be_one_is_a_400_and_changes_nothing(walk, staff, world, department):
    demand = walk(Status.ACCEPTED)
    response = api_as(staff.dispatcher).post(f"/api/v1/demands/{demand.pk}/add_cohandler/",
                                             {"department": department}, format="json")
    assert response.status_code == 400 and "department" in response.json()["fields"]
    assert not CoHandling.objects.exists()


def test_an_oversized_opinion_is_a_400(walk, staff, world):
    demand = cohandled(walk, staff, world)
    response = api_as(staff.other_handler).post(f"/api/v1/demands/{demand.pk}/cohandler_opinion/",
                                                {"text": "意" * 2001}, format="json")
    assert response.status_code == 400
    assert CoHandling.objects.get(demand=demand).state == "pending"


# ---------------------------------------------------------------- figures credit the lead


def test_figures_credit_the_lead_department_only(walk, staff, world):
    demand = cohandled(walk, staff, world)
    services.demand_cohandler_opinion(demand_id=demand.pk, actor=staff.other_handler, text=OPINION)
    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply="已疏通完毕。")
    today = timezone.localdate()
    period = period_demands(staff.supervisor, DashboardFilters(date_from=today - dt.timedelta(days=1), date_to=today))
    rows = figures.breakdown(period, by="department")
    assert rows[world.department.pk].received == 1
    assert world.other_department.pk not in rows
    assert sum(counts.received for counts in rows.values()) == 1


def test_a_co_handling_department_made_lead_by_a_reassignment_acts_as_the_lead(walk, staff, world):
    demand = cohandled(walk, staff, world)
    services.demand_reassign(demand_id=demand.pk, actor=staff.dispatcher, unit=world.other_department)
    page = signed_in(staff.other_handler).get(f"/staff/demands/{demand.pk}/").content.decode()
    assert 'id="action-accept"' in page and 'id="action-cohandler_opinion"' not in page
    with pytest.raises(NotPermitted):
        services.demand_cohandler_opinion(demand_id=demand.pk, actor=staff.other_handler, text=OPINION)
