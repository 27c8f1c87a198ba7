"""Issue 15, items 1, 2 and 4: staff bring demands in. A dispatcher records a call or a visit (代录), a grid worker
reports from patrol and may solve it on the spot (巡查上报, 就地办结), a deputy reports from the field (代表网格通);
each on its own channel, through the pages and the API, with the channel on the demand, the dashboard and the export.
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from demands import services
from demands.models import Demand, DemandEvent
from demands.states import Status
from core.errors import InvalidInput, NotFound, NotPermitted
from supervise import figures
from supervise.selectors import DashboardFilters, period_demands

from .conftest import photo

pytestmark = pytest.mark.django_db

CALL = "来电反映：莲花社区3栋楼道灯坏了一个多月，老人晚上上下楼看不清，请尽快维修。"
PATROL = "巡查发现莲花社区菜市场东门垃圾桶满溢，已联系保洁清运并冲洗地面。"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def local_resolution(viewer):
    today = timezone.localdate()
    counted = figures.totals(period_demands(viewer, DashboardFilters(date_from=today - dt.timedelta(days=30),
                                                                     date_to=today)))
    return counted.local_resolution.numerator, counted.local_resolution.denominator


# ---------------------------------------------------------------- 代录: a dispatcher takes a call or a visit


def test_a_dispatcher_records_a_phone_call_for_the_caller(dispatcher, world):
    page = signed_in(dispatcher)
    assert "记录来电来访" in page.get("/staff/record/").content.decode()
    response = page.post("/staff/record/", {
        "channel": "phone", "type": "help", "content": CALL, "township": world.township.pk,
        "contact_name": "赵桂兰", "contact_phone": "13912345678"})
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/demands/{demand.pk}/"
    assert (demand.channel, demand.status, demand.contact_name, demand.contact_phone) == (
        "phone", Status.RECEIVED, "赵桂兰", "13912345678")
    assert demand.submitted_by == dispatcher  # who typed it in
    receive = demand.events.get()
    assert (receive.action, receive.actor_id, receive.data["channel"]) == ("receive", dispatcher.pk, "phone")
    # The detail page names the channel the centre took it on.
    assert "电话" in page.get(f"/staff/demands/{demand.pk}/").content.decode()


def test_a_walk_in_is_classified_and_dispatched_in_the_same_step(dispatcher, world):
    response = signed_in(dispatcher).post("/staff/record/", {
        "channel": "walk_in", "type": "complaint", "content": CALL, "township": world.township.pk,
        "community": world.grid.community_id, "grid": world.grid.pk, "dispatch_now": "on",
        "category": world.category.pk, "urgency": "urgent", "unit": str(world.department.pk)})
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert (demand.channel, demand.status, demand.unit_department, demand.urgency) == (
        "walk_in", Status.DISPATCHED, world.department, "urgent")
    assert list(demand.events.order_by("id").values_list("action", "actor_id")) == [
        ("receive", dispatcher.pk), ("classify", dispatcher.pk), ("dispatch", dispatcher.pk)]


def test_a_failed_dispatch_records_nothing(dispatcher, world):
    """Dispatch asked for without a unit: the form says what is missing, and no half-recorded demand is left."""
    response = signed_in(dispatcher).post("/staff/record/", {
        "channel": "phone", "type": "help", "content": CALL, "township": world.township.pk, "grid": "",
        "dispatch_now": "on", "category": world.category.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请选择承办该诉求的单位" in body
    assert not Demand.objects.exists()


@pytest.mark.parametrize("fields, message", [
    ({"content": ""}, "该字段是必填项"),
    ({"content": "a\x00b" * 3}, "空字符"),
    ({"contact_phone": "12345"}, "11位手机号"),
    ({"channel": "patrol"}, "有效的选项"),
])
def test_bad_input_is_refused_with_a_message_and_records_nothing(dispatcher, world, fields, message):
    data = {"channel": "phone", "type": "help", "content": CALL, "township": world.township.pk, **fields}
    response = signed_in(dispatcher).post("/staff/record/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Demand.objects.exists()


# ---------------------------------------------------------------- 巡查上报: a grid worker on patrol


def test_a_patrol_report_solved_on_the_spot_counts_in_local_resolution(grid_worker, supervisor, walk, world):
    # Before: one demand solved by a department, none by a grid → 0 of 1.
    walk(Status.RESOLVED)
    assert local_resolution(supervisor) == (0, 1)
    response = signed_in(grid_worker).post("/staff/record/", {
        "channel": "patrol", "type": "help", "content": PATROL, "address": "菜市场东门", "lat": "31.868100",
        "lng": "106.747300", "on_the_spot": "on", "category": world.category.pk,
        "reply": "已联系保洁员清运垃圾并冲洗地面。", "photos": [photo()]})
    assert response.status_code == 302
    demand = Demand.objects.get(channel="patrol")
    assert (demand.status, demand.unit_grid, demand.grid, demand.resolved_by_grid, demand.outcome) == (
        Status.RESOLVED, grid_worker.grid, grid_worker.grid, True, "solved")
    assert (str(demand.lat), str(demand.lng)) == ("31.868100", "106.747300")
    assert list(demand.events.order_by("id").values_list("action", flat=True)) == [
        "receive", "classify", "dispatch", "accept", "resolve"]
    assert set(demand.events.values_list("actor_id", flat=True)) == {grid_worker.pk}
    assert demand.attachments.count() == 1
    # After: the patrol report is the one solved locally among two solved → 1 of 2.
    assert local_resolution(supervisor) == (1, 2)
    # The closed loop goes on: the supervisor verifies it like any other.
    services.demand_verify(demand_id=demand.pk, actor=supervisor)


def test_a_patrol_report_handed_up_waits_for_dispatch_and_its_reporter_follows_it(grid_worker, dispatcher, world):
    page = signed_in(grid_worker)
    assert "巡查上报" in page.get("/staff/").content.decode()  # the first thing on the worker's workbench
    response = page.post("/staff/record/", {"type": "help", "channel": "patrol",
                                            "content": "巡查发现白鹤村便民桥栏杆松动，需要镇里安排维修。"})
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert (demand.channel, demand.status, demand.grid) == ("patrol", Status.RECEIVED, grid_worker.grid)
    # Dispatched to another grid, it is still on the reporter's list.
    services.demand_classify_and_dispatch(demand_id=demand.pk, actor=dispatcher, type="help",
                                          category=world.category, urgency="normal", grid=world.other_grid,
                                          unit=world.other_grid)
    assert page.get(f"/staff/demands/{demand.pk}/").status_code == 200
    assert str(demand.public_no) in page.get("/staff/?tab=all").content.decode()


def test_on_the_spot_needs_a_reply_and_a_category(grid_worker, world):
    response = signed_in(grid_worker).post("/staff/record/", {
        "channel": "patrol", "type": "help", "content": PATROL, "on_the_spot": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请选择分类" in body and "请填写答复群众的内容" in body
    assert not Demand.objects.exists()


def test_a_grid_worker_takes_only_their_own_report_into_only_their_own_grid(grid_worker, other_grid_worker, world):
    mine = services.demand_record(actor=grid_worker, content=PATROL, type="help")
    with pytest.raises(InvalidInput):
        services.demand_classify(demand_id=mine.pk, actor=grid_worker, type="help", category=world.category,
                                 urgency="normal", grid=world.other_grid)
    theirs = services.demand_record(actor=other_grid_worker, content=PATROL, type="help")
    # Outside the worker's grid, another worker's report does not exist for them.
    with pytest.raises(NotFound):
        services.demand_classify(demand_id=theirs.pk, actor=grid_worker, type="help", category=world.category,
                                 urgency="normal", grid=world.grid)
    # A resident's web demand in the worker's own grid is still the dispatcher's to classify.
    web = services.demand_receive(actor=None, type="help", content=CALL, grid=world.grid)
    with pytest.raises(NotPermitted):
        services.demand_classify(demand_id=web.pk, actor=grid_worker, type="help", category=world.category,
                                 urgency="normal", grid=world.grid)
    assert Demand.objects.get(pk=web.pk).status == Status.RECEIVED


# ---------------------------------------------------------------- 代表网格通: a deputy in the field


def test_a_deputy_reports_into_dispatch_and_keeps_following_it(deputy, dispatcher, world):
    page = signed_in(deputy)
    response = page.post("/staff/record/", {
        "type": "suggestion", "channel": "deputy", "content": "走访中群众反映曾口镇场镇停车难，建议规划临时停车点。",
        "township": world.other_township.pk, "contact_name": "陈德明"})
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert (demand.channel, demand.status, demand.unit_deputy) == ("deputy", Status.RECEIVED, None)
    services.demand_classify_and_dispatch(demand_id=demand.pk, actor=dispatcher, type="suggestion",
                                          category=world.category, urgency="normal", grid=world.other_grid,
                                          unit=world.department)
    assert page.get(f"/staff/demands/{demand.pk}/").status_code == 200


# ---------------------------------------------------------------- who may, and the API


@pytest.mark.parametrize("who", ["handler", "supervisor", "resident"])
def test_accounts_that_do_not_record_have_no_such_page(request, who):
    user = request.getfixturevalue(who)
    page = signed_in(user)
    assert page.get("/staff/record/").status_code == 404
    assert page.post("/staff/record/", {"type": "help", "content": CALL}).status_code == 404
    assert not Demand.objects.exists()
    with pytest.raises(NotPermitted):
        services.demand_record(actor=user, content=CALL, type="help")


def test_visitors_are_sent_to_sign_in():
    response = Client().get("/staff/record/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_grid_worker_posts_a_patrol_report_through_the_api(grid_worker, world):
    client = api_for(grid_worker)
    made = client.post("/api/v1/demands/", {"type": "help", "content": PATROL, "channel": "patrol",
                                            "grid": world.grid.code}, format="json")
    assert made.status_code == 201, made.json()
    assert Demand.objects.get().channel == "patrol"
    # Without a channel the account's own is taken.
    client.post("/api/v1/demands/", {"type": "help", "content": PATROL, "grid": world.grid.code}, format="json")
    assert sorted(Demand.objects.values_list("channel", flat=True)) == ["patrol", "patrol"]
    # Another account's channel is refused, with the field named, and nothing is stored.
    refused = client.post("/api/v1/demands/", {"type": "help", "content": CALL, "channel": "phone",
                                               "township": world.township.code}, format="json")
    assert refused.status_code == 422 and "channel" in refused.json()["fields"]
    assert Demand.objects.count() == 2


def test_an_anonymous_client_cannot_claim_a_staff_channel(world):
    made = APIClient().post("/api/v1/demands/", {"type": "help", "content": CALL, "channel": "patrol",
                                                 "township": world.township.code}, format="json")
    assert made.status_code == 201
    assert Demand.objects.get().channel == "api"


def test_the_channel_shows_on_the_dashboard_and_in_the_export(dispatcher, supervisor, world):
    services.demand_record(actor=dispatcher, channel="phone", content=CALL, type="help", township=world.township)
    board = api_for(supervisor).get("/api/v1/dashboard/", {"by": "channel"}).json()
    rows = {row["key"]: row for row in board["breakdown"]["rows"]}
    assert (rows["phone"]["label"], rows["phone"]["received"]["value"]) == ("电话", 1)
    assert rows["phone"]["received"]["link"].endswith("channel=phone")
    export = signed_in(supervisor).get("/staff/export.csv?tab=all")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "电话" in text and CALL[:10] in text
