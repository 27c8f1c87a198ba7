"""One demand walks the whole loop through the pages, role by role, as people would click it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from demands.models import Demand, DemandEvent
from demands.states import Status

from .conftest import PASSWORD, photo

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def act(client, demand, action, data=None, files=None):
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    if files:
        payload.update({f"{action}-{k}": v for k, v in files.items()})
    return client.post(reverse("demands:action", args=[demand.pk, action]), payload)


def submit_as_resident(world, **overrides):
    client = Client()
    data = {
        "type": "help",
        "category": world.category.pk,
        "content": "莲花社区菜市场门口的垃圾桶已经满了三天，没人来清运，苍蝇很多。",
        "township": world.township.pk,
        "community": world.grid.community.pk,
        "grid": world.grid.pk,
        "address": "菜市场东门",
        "contact_name": "王秀英",
        "contact_phone": "13812345678",
        "is_public": "on",
        "photos": [photo("garbage.png")],
        **overrides,
    }
    response = client.post(reverse("demands:submit"), data)
    return client, response


def rating_link(client, code) -> str:
    page = client.get(reverse("demands:track_detail", args=[code])).content.decode()
    link = reverse("demands:track_rate", args=[code])
    assert f'href="{link}"' in page, "the tracking page offers a rating button once verified"
    assert 'href="/rate/' not in page, "the private rating link is only in the SMS"
    return link


def handle_once(staff, demand):
    handler = login(staff.handler)
    assert act(handler, demand, "accept").status_code == 302
    response = act(handler, demand, "resolve", {"outcome": "solved", "reply": "已安排环卫车当天清运，并增加了清运频次。"})
    assert response.status_code == 302
    supervisor = login(staff.supervisor)
    assert act(supervisor, demand, "verify", {"note": "电话回访属实"}).status_code == 302


def test_resident_submits_and_gets_a_receipt_with_the_tracking_code(world, staff):
    client, response = submit_as_resident(world)
    demand = Demand.objects.get()
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    assert demand.tracking_code in receipt.content.decode()
    assert "查询码" in receipt.content.decode()
    assert demand.attachments.count() == 1
    assert demand.events.get().action == "receive"


def test_one_demand_walks_the_whole_loop_and_the_tracking_page_shows_each_step(world, staff):
    resident, response = submit_as_resident(world)
    demand = Demand.objects.get()
    code = demand.tracking_code

    dispatcher = login(staff.dispatcher)
    workbench = dispatcher.get(reverse("demands:workbench")).content.decode()
    assert demand.public_no in workbench and code not in workbench
    page = dispatcher.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'action="/staff/demands/%d/classify/"' % demand.pk in page
    assert act(dispatcher, demand, "classify", {"type": "help", "category": world.category.pk, "urgency": "normal",
                                                "grid": world.grid.pk}).status_code == 302
    assert act(dispatcher, demand, "dispatch", {"unit": f"department:{world.department.pk}"}).status_code == 302

    handler = login(staff.handler)
    workbench = handler.get(reverse("demands:workbench")).content.decode()
    assert demand.public_no in workbench and code not in workbench
    handle_once(staff, demand)

    track = resident.get(reverse("demands:track_detail", args=[code])).content.decode()
    for phrase in ["您的诉求已收到", "已受理", "区综合执法局", "开始办理", "核查", "已安排环卫车当天清运"]:
        assert phrase in track, phrase

    response = resident.post(rating_link(resident, code), {"rating": "satisfied", "comment": "处理很及时，谢谢！"},
                             follow=True)
    assert response.redirect_chain == [(reverse("demands:track_detail", args=[code]), 302)]
    assert "感谢您的评价，已经记录。" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED
    assert demand.rating == "satisfied"
    track = resident.get(reverse("demands:track_detail", args=[code])).content.decode()
    assert "已办结" in track and "您已评价" in track
    assert list(demand.events.values_list("action", flat=True)) == [
        "receive", "classify", "dispatch", "accept", "resolve", "verify", "rate"]
    assert demand.events.get(action="rate").data == {"rating": "satisfied", "via": "tracking_code"}


def test_first_dissatisfied_reopens_to_same_unit_second_closes_and_flags(world, staff):
    resident, _ = submit_as_resident(world)
    demand = Demand.objects.get()
    dispatcher = login(staff.dispatcher)
    act(dispatcher, demand, "classify", {"type": "help", "category": world.category.pk, "urgency": "normal",
                                         "grid": world.grid.pk})
    act(dispatcher, demand, "dispatch", {"unit": f"department:{world.department.pk}"})
    handle_once(staff, demand)

    resident.post(rating_link(resident, demand.tracking_code), {"rating": "dissatisfied", "comment": "垃圾还在"})
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED
    assert demand.unit_department == world.department
    assert demand.rework_count == 1 and not demand.flagged
    workbench = login(staff.handler).get(reverse("demands:workbench")).content.decode()
    assert demand.public_no in workbench and demand.tracking_code not in workbench

    handle_once(staff, demand)
    link = rating_link(resident, demand.tracking_code)
    resident.post(link, {"rating": "dissatisfied", "comment": "还是没解决"})
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED
    assert demand.flagged
    supervisor_queue = login(staff.supervisor).get(reverse("demands:workbench")).content.decode()
    assert demand.public_no in supervisor_queue and demand.tracking_code not in supervisor_queue
    # The private link is spent once used.
    assert resident.get(link).status_code == 404


def test_rating_link_is_refused_before_verification_and_after_use(world, staff, walk):
    demand = walk(Status.VERIFIED)
    client = Client()
    link = reverse("demands:rate", args=[demand.rating_token])
    assert client.get(link).status_code == 200
    assert client.post(link, {"rating": ""}).status_code == 400
    assert Demand.objects.get(pk=demand.pk).status == Status.VERIFIED
    assert client.post(link, {"rating": "basically_satisfied"}).status_code == 302
    response = client.get(link)
    assert response.status_code == 404
    assert "评价链接无效或已使用" in response.content.decode()


def test_invalid_submission_shows_chinese_errors_and_creates_nothing(world):
    client, response = submit_as_resident(world, content="", contact_phone="12345", township="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "必填" in page
    assert "手机号" in page
    assert Demand.objects.count() == 0
    assert DemandEvent.objects.count() == 0


def test_staff_sees_a_clear_message_when_a_required_reason_is_missing(world, staff, walk):
    demand = walk(Status.RECEIVED)
    response = act(login(staff.dispatcher), demand, "reject", {"reason": "  "})
    assert response.status_code == 400
    assert "必填" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Status.RECEIVED


def test_demand_page_offers_exactly_the_actions_of_this_user_now(world, staff, walk):
    demand = walk(Status.DISPATCHED)
    handler_page = login(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    offered = set(re.findall(r'action="/staff/demands/%d/(\w+)/"' % demand.pk, handler_page))
    assert offered == {"accept", "return"}
    dispatcher_page = login(staff.dispatcher).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    offered = set(re.findall(r'action="/staff/demands/%d/(\w+)/"' % demand.pk, dispatcher_page))
    assert offered == {"reassign", "add_cohandler"}  # joint handling (主办/协办) while a unit holds it
    supervisor_page = login(staff.supervisor).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    offered = set(re.findall(r'action="/staff/demands/%d/(\w+)/"' % demand.pk, supervisor_page))
    assert offered == {"urge"}
