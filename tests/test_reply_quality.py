"""Reply quality at resolve (against 程序空转): short, boilerplate and off-topic replies are flagged for the
supervisors, shown with their reason, checked first, and forgotten when the demand is handled again."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from demands import services
from demands.models import DemandType, Outcome
from demands.quality import REASONS
from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LAMP = "白鹤村3组村道上的路灯坏了半个月，晚上走夜路看不清，请帮忙维修。"
GOOD_LAMP_REPLY = "路灯维护单位已到村道现场检修，更换了损坏的灯具和线路，目前路灯已恢复正常照明。"
GENERIC_REPLY = "您好，您反映的问题已收悉。我单位已安排工作人员到现场核实，相关问题已于今日处理完毕，感谢您对我们工作的监督和支持。"
# The walk fixture's content is about uncollected garbage at the 莲花社区 market.
GARBAGE_TEMPLATE = "您好，环卫部门已安排车辆将积存垃圾全部清运，并调整了该点位的清运频次为每日两次。"


def resolved(walk, staff, reply, **receive_kwargs):
    demand = walk(Status.ACCEPTED, **receive_kwargs)
    return services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply=reply)


def reason(flag) -> str:
    with translation.override("zh-hans"):
        return str(REASONS[flag])


def test_two_character_reply_is_flagged_short(walk, staff):
    demand = resolved(walk, staff, "已办")
    assert "short" in demand.reply_flags


def test_reply_repeated_across_six_demands_is_flagged_boilerplate_on_the_sixth(walk, staff):
    firsts = [resolved(walk, staff, GARBAGE_TEMPLATE) for _ in range(5)]
    # The same text with other punctuation and spacing is still the same reply.
    sixth = resolved(walk, staff, GARBAGE_TEMPLATE.replace("，", ", ").replace("。", "！"))
    assert [d.reply_flags for d in firsts] == [[]] * 5  # up to 4 others: not yet boilerplate
    assert sixth.reply_flags == ["boilerplate"]


def test_reply_unrelated_to_the_content_is_off_topic(walk, staff):
    demand = resolved(walk, staff, GENERIC_REPLY, content=LAMP)
    assert demand.reply_flags == ["off_topic"]


def test_good_reply_is_not_flagged(walk, staff):
    demand = resolved(walk, staff, GOOD_LAMP_REPLY, content=LAMP)
    assert demand.reply_flags == []


def test_short_consultation_answered_in_other_words_is_not_off_topic(walk, staff):
    demand = resolved(walk, staff, "您可携带户口簿和身份证到户籍所在地的村便民服务中心提交材料，审核通过后按月发放。",
                      content="请问低保怎么申请？", demand_type=DemandType.CONSULTATION)
    assert demand.reply_flags == []


def test_flags_show_on_the_supervisors_demand_page_with_their_reason(walk, staff):
    demand = resolved(walk, staff, "已处理", content=LAMP)
    client = Client()
    client.login(username=staff.supervisor.username, password=PASSWORD)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'class="form-error callout reply-flags" role="alert"' in page
    assert reason("short") in page and reason("off_topic") in page
    assert reason("boilerplate") not in page


def test_resident_who_submitted_does_not_see_the_flags(walk, staff):
    demand = resolved(walk, staff, "已处理", content=LAMP)
    demand.submitted_by = staff.resident
    demand.save(update_fields=["submitted_by"])
    client = Client()
    client.login(username=staff.resident.username, password=PASSWORD)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert reason("short") not in page


def test_flagged_replies_come_first_in_the_supervisors_waiting_list(walk, staff):
    flagged = resolved(walk, staff, "已处理", content=LAMP)
    fine = resolved(walk, staff, GOOD_LAMP_REPLY, content=LAMP)  # newer: first without the flag ordering
    client = Client()
    client.login(username=staff.supervisor.username, password=PASSWORD)
    page = client.get(reverse("demands:workbench")).content.decode()
    assert page.index(flagged.public_no) < page.index(fine.public_no)
    assert flagged.tracking_code not in page and fine.tracking_code not in page
    assert 'class="tag flagged reply-flag"' in page


def test_the_supervisors_waiting_list_costs_no_query_per_row(walk, staff, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.login(username=staff.supervisor.username, password=PASSWORD)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("demands:workbench"))
        return len(captured)

    resolved(walk, staff, "已处理", content=LAMP)
    few = queries()
    for _ in range(3):
        resolved(walk, staff, "已处理", content=LAMP)
        resolved(walk, staff, GOOD_LAMP_REPLY, content=LAMP)
    assert queries() == few


def test_reopen_clears_the_flags(walk, staff):
    demand = resolved(walk, staff, "已处理", content=LAMP)
    assert demand.reply_flags
    services.demand_reopen(demand_id=demand.pk, actor=staff.supervisor, reason="答复没有说明怎么处理的")
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED and demand.reply_flags == [] and demand.reply == ""


def test_api_shows_the_flags_read_only(walk, staff):
    demand = resolved(walk, staff, "已处理", content=LAMP)
    client = APIClient()
    client.force_authenticate(staff.supervisor)
    assert client.get(f"/api/v1/demands/{demand.pk}/").json()["reply_flags"] == ["short", "off_topic"]
