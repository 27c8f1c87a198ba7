"""Deputies' suggestions: the lifecycle through pages and API, refusals, duty records, class-B tracking, privacy
of linked demands, and forming a suggestion from similar demands."""

import datetime as dt
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from demands import services as demand_services
from demands.codes import public_number
from demands.models import Demand, DemandType
from deputies.models import DutyRecord
from notifications.models import Notification
from suggestions import services
from suggestions.models import (
    CoHandlingOpinion, Evaluation, FollowUp, Reply, Suggestion, SuggestionEvent, SuggestionProposer,
)
from suggestions.selectors import tracked_into
from suggestions.states import Status

from .conftest import PASSWORD
from .factories import CategoryFactory, DepartmentFactory, DeputyFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTENT = "案由：老旧小区多为七层步梯房，老年人上下楼困难。\n建议：简化加装电梯审批，提高财政补助标准。"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def joint(world):
    """A second deputy of the same township, with a login: a joint proposer."""
    record = DeputyFactory(township=world.township, name="张建国")
    return UserFactory(username="joint_deputy", role=Role.DEPUTY, deputy=record, township=world.township)


@pytest.fixture
def outsider(world):
    """A deputy of another township, not on the suggestion."""
    record = DeputyFactory(township=world.other_township, name="陈志强")
    return UserFactory(username="outsider_deputy", role=Role.DEPUTY, deputy=record, township=world.other_township)


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def draft(staff, joint=None, **kw):
    kw.setdefault("title", "关于加快东城街道老旧小区电梯加装的建议")
    kw.setdefault("content", CONTENT)
    return services.suggestion_draft(actor=staff.deputy, joint_deputies=[joint.deputy] if joint else [], **kw)


def walk(staff, world, target, *, joint=None, reply_class="A", co=True, **kw):
    """A suggestion brought to `target` through the real services."""
    s = draft(staff, joint, **kw)
    if target == Status.DRAFT:
        return _fresh(s)
    services.suggestion_submit(suggestion_id=s.pk, actor=staff.deputy)
    if target == Status.IN_REVIEW:
        return _fresh(s)
    services.suggestion_pass_review(suggestion_id=s.pk, actor=staff.supervisor)
    if target == Status.SUBMITTED:
        return _fresh(s)
    services.suggestion_assign(suggestion_id=s.pk, actor=staff.supervisor, lead_department=world.department,
                               co_departments=[world.other_department] if co else [])
    if target == Status.ASSIGNED:
        return _fresh(s)
    services.suggestion_reply(suggestion_id=s.pk, actor=staff.handler, reply_class=reply_class,
                              text="已纳入老旧小区改造计划，完成加装电梯12部。")
    if target == Status.REPLIED:
        return _fresh(s)
    services.suggestion_evaluate(suggestion_id=s.pk, actor=staff.deputy, rating="satisfied")
    if target == Status.EVALUATED:
        return _fresh(s)
    services.suggestion_close(suggestion_id=s.pk, actor=staff.supervisor)
    assert target == Status.CLOSED
    return _fresh(s)


def _fresh(s):
    return Suggestion.objects.get(pk=s.pk)


def snapshot(s):
    s = _fresh(s)
    return (s.status, s.code, s.result, SuggestionEvent.objects.filter(suggestion=s).count(),
            Reply.objects.filter(suggestion=s).count(), Evaluation.objects.filter(suggestion=s).count(),
            FollowUp.objects.filter(suggestion=s).count(), sorted(s.demands.values_list("pk", flat=True)))


def act(client, s, action, data=None):
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    return client.post(reverse(f"suggestions:{action}", args=[s.pk]), payload)


def errors_on(response) -> list[str]:
    return re.findall(r'<p class="error[^"]*" role="alert">(.*?)</p>', response.content.decode(), re.S)


def unknown_number(demand) -> str:
    """A well-formed public number that names no demand."""
    return public_number(demand.pk + 1000, timezone.localtime(demand.created_at).year)


# ---------------------------------------------------------------- the happy path


def test_a_suggestion_walks_from_draft_to_closed_through_the_pages(staff, world, joint, walk):
    evidence = walk("dispatched")
    deputy = login(staff.deputy)
    response = deputy.post(reverse("suggestions:new"), {
        "title": "关于加快东城街道老旧小区电梯加装的建议", "content": CONTENT, "category": world.category.pk,
        "joint_deputies": [joint.deputy_id], "demands": evidence.public_no,
    })
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert s.status == Status.DRAFT and list(s.demands.all()) == [evidence]
    assert act(deputy, s, "submit").status_code == 302
    assert _fresh(s).status == Status.IN_REVIEW and _fresh(s).code == ""
    supervisor = login(staff.supervisor)
    assert act(supervisor, s, "pass_review").status_code == 302
    assert re.fullmatch(rf"JY{timezone.localdate().year}-0001", _fresh(s).code)

    assign = {"lead_department": world.department.pk, "co_departments": [world.other_department.pk], "is_key": "on"}
    assert act(supervisor, s, "assign", assign).status_code == 302
    assert act(login(staff.other_handler), s, "opinion", {"text": "我局将配合做好管线迁改。"}).status_code == 302
    today = timezone.localdate().isoformat()
    for stage in ("before", "during"):  # a key suggestion: both contacts come before the reply
        assert act(login(staff.handler), s, "contact", {
            "stage": stage, "held_on": today, "form": "meeting", "participants": "领衔代表、住建局",
            "agreed": "先行试点两个小区。"}).status_code == 302
    assert act(login(staff.handler), s, "reply", {"reply_class": "A", "text": "已完成加装电梯12部。"}).status_code == 302
    assert act(login(joint), s, "evaluate", {"rating": "basically_satisfied"}).status_code == 302
    assert _fresh(s).status == Status.REPLIED  # a joint proposer's evaluation does not move it
    assert act(deputy, s, "evaluate", {"rating": "satisfied", "comment": "落实到位"}).status_code == 302
    assert _fresh(s).status == Status.EVALUATED and _fresh(s).result == "satisfied"
    assert act(login(staff.handler), s, "contact", {
        "stage": "after", "held_on": today, "form": "phone", "participants": "领衔代表",
        "agreed": "代表对办理结果表示认可。"}).status_code == 302
    assert act(supervisor, s, "close", {"note": "办理完毕"}).status_code == 302

    s = _fresh(s)
    assert s.status == Status.CLOSED
    assert s.assignment.is_key and list(s.assignment.co_departments.all()) == [world.other_department]
    assert list(s.events.values_list("action", flat=True)) == [
        "draft", "submit", "pass_review", "assign", "opinion", "contact", "contact", "reply", "evaluate", "evaluate",
        "contact", "close"]
    page = deputy.get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert "已完成加装电梯12部。" in page and "我局将配合做好管线迁改。" in page


def test_a_suggestion_walks_from_draft_to_closed_through_the_api(staff, world, joint, walk):
    evidence = walk("dispatched")
    response = api(staff.deputy).post("/api/v1/suggestions/", {
        "title": "关于规范城区占道经营管理的建议", "content": CONTENT, "category": world.category.code,
        "joint_deputies": [joint.deputy_id], "demands": [evidence.public_no]}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["linked_demands"][0]["public_no"] == evidence.public_no
    assert evidence.tracking_code not in response.content.decode()
    assert "submit" in response.json()["available_actions"]

    def post(user, action, body=None):
        return api(user).post(f"/api/v1/suggestions/{pk}/{action}/", body or {}, format="json")

    assert post(staff.deputy, "submit").json()["status"] == "in_review"
    assert post(staff.supervisor, "pass_review").json()["status"] == "submitted"
    body = post(staff.supervisor, "assign", {"lead_department": world.department.pk, "reply_due": "2099-01-31"}).json()
    assert body["status"] == "assigned" and body["assignment"]["reply_due"] == "2099-01-31"
    body = post(staff.handler, "reply", {"reply_class": "B", "text": "已列入明年改造计划。"}).json()
    assert body["reply"]["reply_class"] == "B"
    assert post(staff.deputy, "evaluate", {"rating": "basically_satisfied"}).json()["result"] == "basically_satisfied"
    assert post(staff.handler, "follow_up", {"note": "已开工建设。", "resolved": True}).status_code == 200
    assert post(staff.supervisor, "close").json()["status"] == "closed"
    detail = api(staff.supervisor).get(f"/api/v1/suggestions/{pk}/").json()
    assert [f["resolved"] for f in detail["follow_ups"]] == [True]


def test_assignment_defaults_the_reply_date_to_three_months_later(staff, world):
    s = walk(staff, world, Status.ASSIGNED)
    today = timezone.localdate()
    due = s.assignment.reply_due
    assert (due.year * 12 + due.month) - (today.year * 12 + today.month) == 3


def test_numbers_are_given_when_pre_review_passes_and_run_per_year(staff, world):
    with services.history_clock(timezone.make_aware(dt.datetime(2025, 3, 2, 10))):
        old = walk(staff, world, Status.SUBMITTED)
    first = walk(staff, world, Status.SUBMITTED)
    second = walk(staff, world, Status.SUBMITTED)
    still_draft = walk(staff, world, Status.DRAFT)
    in_review = walk(staff, world, Status.IN_REVIEW)
    year = timezone.localdate().year
    assert old.code == "JY2025-0001" and old.year == 2025
    assert (first.code, second.code) == (f"JY{year}-0001", f"JY{year}-0002")
    assert still_draft.code == "" and in_review.code == ""


def test_submitting_writes_a_duty_record_for_every_proposer(staff, world, joint):
    s = walk(staff, world, Status.SUBMITTED, joint=joint)
    records = DutyRecord.objects.filter(source="suggestion", source_id=s.pk)
    assert sorted(records.values_list("deputy_id", flat=True)) == sorted([staff.deputy.deputy_id, joint.deputy_id])
    assert set(records.values_list("kind", flat=True)) == {DutyRecord.Kind.SUGGESTION}
    assert all(s.title in r.title for r in records)


def test_assignment_tells_both_departments_and_the_proposers(staff, world, joint):
    s = walk(staff, world, Status.ASSIGNED, joint=joint)
    told = set(Notification.objects.filter(kind=Notification.Kind.NOTICE, data__suggestion=s.pk)
               .values_list("recipient__username", flat=True))
    assert {"handler", "other_handler", "deputy", "joint_deputy"} <= told


def test_lists_are_scoped_my_suggestions_all_and_my_departments(staff, world, outsider):
    mine = walk(staff, world, Status.ASSIGNED)
    draft_only = walk(staff, world, Status.DRAFT, title="关于整治背街小巷路灯照明的建议")
    other = DepartmentFactory(name="巴州区交通运输局", short_name="区交通运输局")

    def codes(user):
        return {row["id"] for row in api(user).get("/api/v1/suggestions/").json()["results"]}

    assert codes(staff.deputy) == {mine.pk, draft_only.pk}
    assert codes(staff.supervisor) == {mine.pk}  # drafts belong to their proposers
    assert codes(staff.handler) == {mine.pk}
    assert codes(outsider) == set()
    assert codes(staff.dispatcher) == set()
    assert api(staff.supervisor).get("/api/v1/suggestions/", {"department": other.pk}).json()["results"] == []
    page = login(staff.handler).get(reverse("suggestions:list")).content.decode()
    assert mine.title in page and draft_only.title not in page


# ---------------------------------------------------------------- refusals: 409, 403/404, 400, and nothing changes


def test_replying_or_closing_before_assignment_is_refused_and_changes_nothing(staff, world):
    s = walk(staff, world, Status.SUBMITTED)
    before = snapshot(s)
    response = api(staff.handler).post(f"/api/v1/suggestions/{s.pk}/reply/", {"reply_class": "A", "text": "x"},
                                       format="json")
    assert response.status_code == 404  # not assigned to the handler's department yet: not theirs to see
    response = api(staff.supervisor).post(f"/api/v1/suggestions/{s.pk}/close/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert snapshot(s) == before


def test_submitting_twice_is_409_on_the_page_with_a_message(staff, world):
    s = walk(staff, world, Status.SUBMITTED)
    before = snapshot(s)
    response = act(login(staff.deputy), s, "submit")
    assert response.status_code == 409
    assert "不能" in response.content.decode() or "not possible" in response.content.decode()
    assert snapshot(s) == before


def test_a_joint_proposer_may_not_submit_403(staff, world, joint):
    s = walk(staff, world, Status.DRAFT, joint=joint)
    before = snapshot(s)
    assert api(joint).post(f"/api/v1/suggestions/{s.pk}/submit/", {}, format="json").status_code == 403
    assert act(login(joint), s, "submit").status_code == 403
    assert snapshot(s) == before


def test_a_draft_does_not_exist_for_supervisors_and_other_deputies_404(staff, world, outsider):
    s = walk(staff, world, Status.DRAFT)
    before = snapshot(s)
    assert api(staff.supervisor).post(f"/api/v1/suggestions/{s.pk}/assign/",
                                      {"lead_department": world.department.pk}, format="json").status_code == 404
    assert api(outsider).get(f"/api/v1/suggestions/{s.pk}/").status_code == 404
    assert login(outsider).get(reverse("suggestions:detail", args=[s.pk])).status_code == 404
    assert api(outsider).get("/api/v1/suggestions/999999/").status_code == 404
    assert snapshot(s) == before


def test_a_proposer_may_not_assign_403(staff, world):
    s = walk(staff, world, Status.SUBMITTED)
    before = snapshot(s)
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/assign/",
                                      {"lead_department": world.department.pk}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert snapshot(s) == before


def test_a_co_handler_may_not_reply_403_and_an_unrelated_handler_gets_404(staff, world):
    s = walk(staff, world, Status.ASSIGNED)
    before = snapshot(s)
    body = {"reply_class": "A", "text": "已办理。"}
    assert api(staff.other_handler).post(f"/api/v1/suggestions/{s.pk}/reply/", body, format="json").status_code == 403
    stranger = UserFactory(username="stranger_handler", role=Role.HANDLER,
                           department=DepartmentFactory(name="巴州区民政局", short_name="区民政局"))
    assert api(stranger).post(f"/api/v1/suggestions/{s.pk}/reply/", body, format="json").status_code == 404
    assert snapshot(s) == before


def test_a_reply_without_class_or_text_is_400_with_messages_and_changes_nothing(staff, world):
    s = walk(staff, world, Status.ASSIGNED)
    before = snapshot(s)
    response = api(staff.handler).post(f"/api/v1/suggestions/{s.pk}/reply/", {"reply_class": "D", "text": " "},
                                       format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"reply_class", "text"}
    page = act(login(staff.handler), s, "reply", {"reply_class": "", "text": ""})
    assert page.status_code == 400 and 'role="alert"' in page.content.decode()
    assert snapshot(s) == before


def test_a_reply_date_in_the_past_is_refused(staff, world):
    s = walk(staff, world, Status.SUBMITTED)
    before = snapshot(s)
    response = api(staff.supervisor).post(f"/api/v1/suggestions/{s.pk}/assign/", {
        "lead_department": world.department.pk, "reply_due": "2020-01-01"}, format="json")
    assert response.status_code == 422 and "reply_due" in response.json()["fields"]
    response = api(staff.supervisor).post(f"/api/v1/suggestions/{s.pk}/assign/", {
        "lead_department": 10**30, "reply_due": 12}, format="json")
    assert response.status_code == 400
    assert snapshot(s) == before


def test_submitting_without_the_proposal_is_refused(staff, world):
    s = draft(staff, content="")
    before = snapshot(s)
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/submit/", {}, format="json")
    assert response.status_code == 422 and "content" in response.json()["fields"]
    assert snapshot(s) == before


def test_only_deputies_draft_suggestions(staff, world):
    response = api(staff.supervisor).post("/api/v1/suggestions/", {"title": "关于……的建议"}, format="json")
    assert response.status_code == 403
    assert login(staff.handler).get(reverse("suggestions:new")).status_code == 403
    assert not Suggestion.objects.exists()


def test_evaluating_twice_is_409_and_keeps_the_first_evaluation(staff, world):
    s = walk(staff, world, Status.EVALUATED)
    before = snapshot(s)
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/evaluate/", {"rating": "dissatisfied"},
                                      format="json")
    assert response.status_code == 409
    assert snapshot(s) == before and _fresh(s).result == "satisfied"


def test_the_result_is_the_lead_proposers_evaluation_not_a_joint_ones(staff, world, joint):
    s = walk(staff, world, Status.REPLIED, joint=joint)
    services.suggestion_evaluate(suggestion_id=s.pk, actor=joint, rating="dissatisfied")
    assert _fresh(s).status == Status.REPLIED and _fresh(s).result == ""
    services.suggestion_evaluate(suggestion_id=s.pk, actor=staff.deputy, rating="basically_satisfied")
    assert _fresh(s).status == Status.EVALUATED and _fresh(s).result == "basically_satisfied"
    assert Evaluation.objects.filter(suggestion=s).count() == 2


def test_a_bad_rating_is_400(staff, world):
    s = walk(staff, world, Status.REPLIED)
    before = snapshot(s)
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/evaluate/", {"rating": "great"}, format="json")
    assert response.status_code == 400 and "rating" in response.json()["fields"]
    assert snapshot(s) == before


def test_a_co_department_gives_one_opinion_only(staff, world):
    s = walk(staff, world, Status.ASSIGNED)
    services.suggestion_add_opinion(suggestion_id=s.pk, actor=staff.other_handler, text="同意牵头单位意见。")
    response = api(staff.other_handler).post(f"/api/v1/suggestions/{s.pk}/opinion/", {"text": "再补充一点。"},
                                             format="json")
    assert response.status_code == 409
    assert CoHandlingOpinion.objects.filter(suggestion=s).count() == 1
    assert api(staff.handler).post(f"/api/v1/suggestions/{s.pk}/opinion/", {"text": "牵头单位不写协办意见"},
                                   format="json").status_code == 403


def test_follow_ups_are_only_for_class_b_replies(staff, world):
    s = walk(staff, world, Status.REPLIED, reply_class="A")
    before = snapshot(s)
    response = api(staff.handler).post(f"/api/v1/suggestions/{s.pk}/follow_up/", {"note": "进展"}, format="json")
    assert response.status_code == 409
    assert snapshot(s) == before


def test_an_unknown_action_is_404(staff, world):
    s = walk(staff, world, Status.DRAFT)
    assert api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/approve/", {}, format="json").status_code == 404
    assert login(staff.deputy).post(f"/staff/suggestions/{s.pk}/approve/").status_code == 404


def test_editing_a_submitted_suggestion_is_409(staff, world, joint):
    s = walk(staff, world, Status.SUBMITTED)
    before = snapshot(s)
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/edit/", {"title": "改个标题", "content": CONTENT},
                                      format="json")
    assert response.status_code == 409
    assert login(staff.deputy).post(reverse("suggestions:edit", args=[s.pk]),
                                    {"title": "改个标题", "content": CONTENT}).status_code == 409
    assert snapshot(s) == before and _fresh(s).title != "改个标题"


def test_editing_a_draft_replaces_the_joint_proposers(staff, world, joint):
    s = walk(staff, world, Status.DRAFT, joint=joint)
    response = login(staff.deputy).post(reverse("suggestions:edit", args=[s.pk]),
                                        {"title": "关于改善曾口镇农村客运班线的建议", "content": CONTENT})
    assert response.status_code == 302
    assert _fresh(s).title == "关于改善曾口镇农村客运班线的建议"
    assert list(SuggestionProposer.objects.filter(suggestion=s).values_list("deputy_id", "is_lead")) == [
        (staff.deputy.deputy_id, True)]


# ---------------------------------------------------------------- evidence


def test_a_deputy_may_not_cite_a_demand_of_another_township(staff, world):
    s = draft(staff)
    elsewhere = demand_services.demand_receive(actor=None, type=DemandType.HELP, township=world.other_township,
                                               content="白鹤村的自来水已经停了三天。")
    before = snapshot(s)
    response = act(login(staff.deputy), s, "link", {"public_no": elsewhere.public_no})
    assert response.status_code == 400
    assert "只能引用" in response.content.decode() or "may cite only" in response.content.decode()
    # A number that names no demand reads the same: nothing tells which numbers exist.
    missing = act(login(staff.deputy), s, "link", {"public_no": unknown_number(elsewhere)})
    assert missing.status_code == 400 and errors_on(missing) == errors_on(response) != []
    # Through the API a well-formed body naming no demand, or one not to cite, is 422 (a malformed one is 400).
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/link/", {"public_no": "NOT-A-NUMBER"},
                                      format="json")
    assert response.status_code == 422 and "public_no" in response.json()["fields"]
    response = api(staff.deputy).post(f"/api/v1/suggestions/{s.pk}/link/", {"public_no": elsewhere.public_no},
                                      format="json")
    assert response.status_code == 422 and elsewhere.public_no not in response.content.decode()
    assert snapshot(s) == before


def test_a_deputy_may_cite_a_demand_they_follow_in_another_township(staff, world):
    followed = demand_services.demand_receive(actor=None, type=DemandType.HELP, township=world.other_township,
                                              content="白鹤村到镇上的班车停运了。", deputy=world.deputy_record)
    s = draft(staff)
    services.suggestion_link_demand(suggestion_id=s.pk, actor=staff.deputy, demand_id=followed.pk)
    assert list(_fresh(s).demands.all()) == [followed]


def test_linked_demands_never_show_the_residents_name_or_phone(staff, world, walk):
    evidence = walk("dispatched")  # contact 王秀英 13812345678
    s = draft(staff, demand_ids=[evidence.pk])
    services.suggestion_submit(suggestion_id=s.pk, actor=staff.deputy)
    services.suggestion_pass_review(suggestion_id=s.pk, actor=staff.supervisor)
    services.suggestion_assign(suggestion_id=s.pk, actor=staff.supervisor, lead_department=world.department,
                               co_departments=[world.other_department])
    pages = [login(u).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
             for u in (staff.deputy, staff.supervisor, staff.handler, staff.other_handler)]
    pages += [api(u).get(f"/api/v1/suggestions/{s.pk}/").content.decode("utf-8")
              for u in (staff.deputy, staff.supervisor, staff.handler)]
    for page in pages:
        assert evidence.public_no in page and "垃圾" in page and evidence.tracking_code not in page
        assert "王秀英" not in page and "王*" not in page
        assert "13812345678" not in page and "138****5678" not in page


# ---------------------------------------------------------------- class B across years


def _class_b_in(staff, world, year, title):
    with services.history_clock(timezone.make_aware(dt.datetime(year, 3, 2, 10))):
        s = walk(staff, world, Status.ASSIGNED, title=title)
    with services.history_clock(timezone.make_aware(dt.datetime(year, 5, 20, 10))):
        services.suggestion_reply(suggestion_id=s.pk, actor=staff.handler, reply_class="B",
                                  text="已列入下一年度改造计划。")
    return s


def test_class_b_is_tracked_into_later_years_until_a_follow_up_resolves_it(staff, world):
    resolved = _class_b_in(staff, world, 2024, "关于加强曾口镇农村公路养护的建议")
    open_one = _class_b_in(staff, world, 2024, "关于改善曾口镇农村客运班线的建议")
    answered_a = walk(staff, world, Status.REPLIED, reply_class="A")
    with services.history_clock(timezone.make_aware(dt.datetime(2025, 4, 1, 10))):
        services.suggestion_follow_up(suggestion_id=resolved.pk, actor=staff.handler, note="已开工。")
    with services.history_clock(timezone.make_aware(dt.datetime(2025, 9, 1, 10))):
        services.suggestion_follow_up(suggestion_id=resolved.pk, actor=staff.handler, note="已完工通车。",
                                      resolved=True)

    def tracked(year):
        return set(tracked_into(viewer=staff.supervisor, year=year).values_list("pk", flat=True))

    assert tracked(2024) == set()
    assert tracked(2025) == {resolved.pk, open_one.pk}  # resolved during 2025: still on that year's list
    assert tracked(2026) == {open_one.pk}
    assert answered_a.pk not in tracked(answered_a.year + 1)
    page = login(staff.handler).get(reverse("suggestions:list"), {"year": 2026}).content.decode()
    tracked_part = page.split('id="tracked"')[1]
    assert open_one.title in tracked_part and resolved.title not in tracked_part
    with services.history_clock(timezone.make_aware(dt.datetime(2025, 10, 1, 10))):
        with pytest.raises(Exception) as refused:
            services.suggestion_follow_up(suggestion_id=resolved.pk, actor=staff.handler, note="再报一次")
    assert refused.value.http_status == 409


# ---------------------------------------------------------------- forming a suggestion from similar demands

LAMPS = [
    "东城街道莲花社区滨河路的路灯坏了一个多月，晚上一片漆黑，老人走路经常摔跤。",
    "莲花社区滨河路一带路灯晚上不亮，已经一个多月了，夜里出门很不安全。",
    "滨河路莲花社区段路灯全部不亮快一个月了，晚上太黑，请尽快修好路灯。",
]
OTHERS = [
    "莲花社区菜市场旁边的烧烤摊油烟很大，每天晚上熏得楼上住户不敢开窗。",
    "我家孩子明年上小学，想咨询一下东城街道的义务教育入学需要准备哪些材料。",
]


def test_the_similar_page_groups_near_duplicate_demands_and_drafts_from_a_group(staff, world):
    lamps = [demand_services.demand_receive(actor=None, type=DemandType.COMPLAINT, township=world.township,
                                            content=text, contact_name="刘桂英", contact_phone="13900001111")
             for text in LAMPS]
    others = [demand_services.demand_receive(actor=None, type=DemandType.HELP, township=world.township, content=text)
              for text in OTHERS]
    elsewhere = demand_services.demand_receive(actor=None, type=DemandType.COMPLAINT, township=world.other_township,
                                               content=LAMPS[0])
    deputy = login(staff.deputy)
    page = deputy.get(reverse("suggestions:similar")).content.decode()
    assert "路灯" in page
    assert all(d.public_no in page for d in lamps)
    assert all(d.public_no not in page for d in others)  # alone, in no group
    assert elsewhere.public_no not in page
    assert not any(d.tracking_code in page for d in [*lamps, *others, elsewhere])
    assert "刘桂英" not in page and "13900001111" not in page
    ids = re.search(r'name="demand_ids" value="([\d,]+)"', page).group(1)
    title = re.search(r'name="title" value="([^"]+)"', page).group(1)
    assert "路灯" in title
    response = deputy.post(reverse("suggestions:similar"), {"demand_ids": ids, "title": title, "terms": "路灯"})
    s = Suggestion.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("suggestions:detail", args=[s.pk])
    assert s.status == Status.DRAFT and s.title == title
    assert set(s.demands.values_list("pk", flat=True)) == {d.pk for d in lamps}
    assert all(d.public_no in s.content and d.tracking_code not in s.content for d in lamps)


def test_a_draft_from_a_group_takes_the_category_most_of_its_demands_have(staff, world):
    water = CategoryFactory(code="water.supply", name="供水", parent=world.category.parent)
    cited = [demand_services.demand_receive(actor=None, type=DemandType.COMPLAINT, township=world.township,
                                            content=LAMPS[i], category=category)
             for i, category in enumerate([world.category, water, water])]
    s = services.suggestion_draft_from_demands(actor=staff.deputy, title="关于路灯的建议",
                                               demand_ids=[d.pk for d in cited], terms=["路灯"])
    assert s.category == water
    assert set(s.demands.values_list("pk", flat=True)) == {d.pk for d in cited}
    assert "路灯" in s.content and all(d.public_no in s.content for d in cited)
    assert not any(d.tracking_code in s.content for d in cited)


def test_pasted_demand_numbers_link_each_demand_once_and_name_the_malformed_ones(staff, world, walk):
    evidence = walk("dispatched")
    deputy = login(staff.deputy)
    bad = "ABC-DEF-GHJ-KMN-PQR-STV"  # shaped like a tracking code, which is no demand number
    response = deputy.post(reverse("suggestions:new"), {
        "title": "关于垃圾清运的建议", "demands": f"{evidence.public_no}，{bad}"})
    assert response.status_code == 400
    assert any(bad in e and "BZ-2026-004213" in e for e in errors_on(response)), errors_on(response)
    assert not Suggestion.objects.exists()
    # Well-formed numbers that name no demand or one the deputy may not cite: one message, naming no number.
    elsewhere = demand_services.demand_receive(actor=None, type=DemandType.HELP, township=world.other_township,
                                               content="白鹤村的自来水已经停了三天。")
    answers = []
    for number in (unknown_number(elsewhere), elsewhere.public_no):
        response = deputy.post(reverse("suggestions:new"), {
            "title": "关于垃圾清运的建议", "demands": f"{evidence.public_no}，{number}"})
        assert response.status_code == 400
        assert not any(number in e or evidence.public_no in e for e in errors_on(response)), number
        answers.append(errors_on(response))
    assert answers[0] == answers[1] and any("只能引用" in e for e in answers[0]), answers
    assert not Suggestion.objects.exists()
    response = deputy.post(reverse("suggestions:new"), {
        "title": "关于垃圾清运的建议", "demands": f"{evidence.public_no}\n{evidence.public_no.lower()}"})
    assert response.status_code == 302
    assert list(Suggestion.objects.get().demands.all()) == [evidence]


def test_the_similar_page_is_for_deputies(staff, world):
    assert login(staff.supervisor).get(reverse("suggestions:similar")).status_code == 403


def test_drafting_from_a_group_cannot_cite_demands_of_other_townships(staff, world):
    elsewhere = demand_services.demand_receive(actor=None, type=DemandType.COMPLAINT, township=world.other_township,
                                               content=LAMPS[0])
    response = login(staff.deputy).post(reverse("suggestions:similar"),
                                        {"demand_ids": str(elsewhere.pk), "title": "关于路灯的建议"})
    assert response.status_code == 302 and response["Location"] == reverse("suggestions:similar")
    assert not Suggestion.objects.exists()


# ---------------------------------------------------------------- pages, admin, demo


def test_the_detail_page_offers_only_what_this_user_may_do_now(staff, world):
    s = walk(staff, world, Status.ASSIGNED)
    handler_page = login(staff.handler).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert reverse("suggestions:reply", args=[s.pk]) in handler_page
    assert reverse("suggestions:assign", args=[s.pk]) not in handler_page
    supervisor_page = login(staff.supervisor).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert reverse("suggestions:assign", args=[s.pk]) in supervisor_page  # reassigning before the reply
    assert reverse("suggestions:reply", args=[s.pk]) not in supervisor_page
    deputy_page = login(staff.deputy).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'action="/staff/suggestions/' not in deputy_page


def test_lists_read_the_same_number_of_rows_for_one_suggestion_or_many(staff, world, joint):
    def queries(client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def all_lists():
        return {user.username: (queries(login(user), reverse("suggestions:list")),
                                queries(api(user), "/api/v1/suggestions/"))
                for user in (staff.supervisor, staff.deputy, staff.handler)}

    walk(staff, world, Status.REPLIED, joint=joint)
    one = all_lists()
    for _ in range(3):
        walk(staff, world, Status.REPLIED, joint=joint)
    assert all_lists() == one


def test_pages_ask_anonymous_visitors_to_log_in(world):
    response = Client().get(reverse("suggestions:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert APIClient().get("/api/v1/suggestions/").status_code in (401, 403)


def test_every_suggestion_model_has_an_admin_page_and_events_are_read_only(staff, world):
    from django.apps import apps
    from django.contrib.admin.sites import site

    s = walk(staff, world, Status.CLOSED)
    admin = staff.dispatcher
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = login(admin)
    for model in apps.get_app_config("suggestions").get_models():
        assert model in site._registry, model
        url = reverse(f"admin:suggestions_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    event = SuggestionEvent.objects.filter(suggestion=s).first()
    client.post(reverse("admin:suggestions_suggestionevent_change", args=[event.pk]), {"note": "篡改"})
    event.refresh_from_db()
    assert event.note != "篡改"
    assert client.get(reverse("admin:suggestions_suggestion_change", args=[s.pk])).status_code == 200


def test_seed_demo_writes_suggestions_in_every_state_through_the_services_and_only_once():
    from django.core.management import call_command

    from suggestions.demo import seed_demo

    call_command("seed_bazhou", demands=800)  # runs seed_demo once with the demo demands
    assert Suggestion.objects.count() == 60
    assert seed_demo() == 0 and Suggestion.objects.count() == 60
    statuses = set(Suggestion.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert set(Reply.objects.values_list("reply_class", flat=True)) == {"A", "B", "C"}
    years = set(Suggestion.objects.values_list("year", flat=True))
    this_year = timezone.localdate().year
    assert years == {this_year - 1, this_year}
    submitted = Suggestion.objects.exclude(code="")
    assert all(DutyRecord.objects.filter(source="suggestion", source_id=s.pk).count() == s.proposers.count()
               for s in submitted)
    from accounts.models import User

    assert tracked_into(viewer=User.objects.get(username="supervisor"), year=this_year).exists()
    assert Suggestion.objects.filter(demands__isnull=False).exists()
    assert not SuggestionEvent.objects.exclude(suggestion__in=Suggestion.objects.all()).exists()
    assert Demand.objects.filter(suggestions__isnull=False).exists()
    # The practices of complete handling: returned drafts, bills on their own numbers, key suggestions' contacts.
    assert SuggestionEvent.objects.filter(action="return_draft").exists()
    assert Suggestion.objects.filter(status=Status.DRAFT).exclude(returned_reasons="").exists()
    bills = Suggestion.objects.filter(kind="bill").exclude(code="")
    assert bills.exists() and all(b.code.startswith("YA") for b in bills)
    key = Suggestion.objects.filter(assignment__is_key=True, status__in=["replied", "evaluated", "closed"])
    assert key.exists()
    for s in key:
        stages = set(s.contacts.values_list("stage", flat=True))
        assert {"before", "during"} <= stages, s.code
        assert s.status != "closed" or "after" in stages, s.code


# ---------------------------------------------------------------- concurrency (PostgreSQL only)

def run_in_threads(fns):
    barrier = threading.Barrier(len(fns))
    results, lock = [], threading.Lock()

    def worker(fn):
        try:
            barrier.wait()
            outcome = fn()
        except Exception as exc:  # collected and asserted on below
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_suggestions_passed_at_once_get_distinct_consecutive_numbers(staff, world):
    drafts = [walk(staff, world, Status.IN_REVIEW) for _ in range(10)]
    results = run_in_threads([
        (lambda pk=s.pk: services.suggestion_pass_review(suggestion_id=pk, actor=staff.supervisor))
        for s in drafts])
    assert all(isinstance(r, Suggestion) for r in results), results
    year = timezone.localdate().year
    assert sorted(Suggestion.objects.values_list("code", flat=True)) == [f"JY{year}-{n:04d}" for n in range(1, 11)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_double_click_on_evaluate_records_one_evaluation(staff, world):
    s = walk(staff, world, Status.REPLIED)
    results = run_in_threads([
        lambda: services.suggestion_evaluate(suggestion_id=s.pk, actor=staff.deputy, rating="satisfied")] * 6)
    assert sum(isinstance(r, Evaluation) for r in results) == 1
    assert all(getattr(r, "http_status", None) == 409 for r in results if not isinstance(r, Evaluation)), results
    assert Evaluation.objects.filter(suggestion=s).count() == 1
