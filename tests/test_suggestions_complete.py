"""Suggestions, complete: pre-review (前置审核), the table's refusals, and the rules added to the lifecycle."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, InvalidInput, NotFound, TransitionNotAllowed
from deputies.models import DutyRecord
from notifications.models import Notification
from suggestions import services
from suggestions.models import Suggestion, SuggestionEvent
from suggestions.states import TRANSITIONS, Action, Status

from .test_suggestions import (  # noqa: F401 (fixtures)
    act, api, errors_on, fresh_throttles, joint, login, run_in_threads, snapshot, walk,
)

pytestmark = pytest.mark.django_db

# The states a suggestion is walked to through the real services (a withdrawn one is withdrawn from draft).
STATES = [s for s in Status.values]


def bring(staff, world, state):
    if state == Status.WITHDRAWN:
        s = walk(staff, world, Status.DRAFT)
        services.suggestion_withdraw(suggestion_id=s.pk, actor=staff.deputy)
        return Suggestion.objects.get(pk=s.pk)
    return walk(staff, world, state)


def call(action, s, staff, world):
    """`action` on `s` by the actor who would be entitled to it, with valid input."""
    pk = s.pk
    calls = {
        Action.EDIT: lambda: services.suggestion_edit(suggestion_id=pk, actor=staff.deputy, title="关于路灯的建议",
                                                      content="案由：路灯不亮。建议：尽快维修路灯。"),
        Action.LINK: lambda: services.suggestion_link_demand(suggestion_id=pk, actor=staff.deputy,
                                                             demand_id=world.cited.pk),
        Action.UNLINK: lambda: services.suggestion_unlink_demand(suggestion_id=pk, actor=staff.deputy,
                                                                 demand_id=world.cited.pk),
        Action.SUBMIT: lambda: services.suggestion_submit(suggestion_id=pk, actor=staff.deputy),
        Action.PASS_REVIEW: lambda: services.suggestion_pass_review(suggestion_id=pk, actor=staff.supervisor),
        Action.RETURN_DRAFT: lambda: services.suggestion_return_draft(suggestion_id=pk, actor=staff.supervisor,
                                                                      reasons="请补充具体措施。"),
        Action.WITHDRAW: lambda: services.suggestion_withdraw(suggestion_id=pk, actor=staff.deputy),
        Action.ASSIGN: lambda: services.suggestion_assign(suggestion_id=pk, actor=staff.supervisor,
                                                          lead_department=world.department),
        Action.REPLY: lambda: services.suggestion_reply(suggestion_id=pk, actor=staff.handler, reply_class="A",
                                                        text="已办理。"),
        Action.OPINION: lambda: services.suggestion_add_opinion(suggestion_id=pk, actor=staff.other_handler,
                                                                text="同意。"),
        Action.EVALUATE: lambda: services.suggestion_evaluate(suggestion_id=pk, actor=staff.deputy,
                                                              rating="satisfied"),
        Action.CLOSE: lambda: services.suggestion_close(suggestion_id=pk, actor=staff.supervisor),
        Action.FOLLOW_UP: lambda: services.suggestion_follow_up(suggestion_id=pk, actor=staff.handler,
                                                                note="已开工。"),
        Action.CONTACT: lambda: services.suggestion_contact(
            suggestion_id=pk, actor=staff.handler, stage="before", held_on=timezone.localdate(), form="phone",
            participants="领衔代表", agreed="约定实地查看。"),
    }
    return calls[action]()


def test_every_action_with_a_source_state_has_a_call():
    with_sources = {a for a, (sources, _t) in TRANSITIONS.items() if sources}
    assert with_sources == set(CALLED)


CALLED = [Action.EDIT, Action.LINK, Action.UNLINK, Action.SUBMIT, Action.PASS_REVIEW, Action.RETURN_DRAFT,
          Action.WITHDRAW, Action.ASSIGN, Action.REPLY, Action.OPINION, Action.EVALUATE, Action.CLOSE,
          Action.FOLLOW_UP, Action.CONTACT]
OUTSIDE = [(a, s) for a in CALLED for s in STATES if s not in TRANSITIONS[a][0]]


@pytest.fixture
def cited(world, walk):
    world.cited = walk("dispatched")
    return world.cited


@pytest.mark.parametrize("action,state", OUTSIDE, ids=[f"{a}-{s}" for a, s in OUTSIDE])
def test_action_outside_the_table_is_refused_and_changes_nothing(action, state, staff, world, cited):
    s = bring(staff, world, state)
    before = snapshot(s)
    with pytest.raises(ApplicationError) as refused:
        call(action, s, staff, world)
    # 409 for the state; 404 where the entitled actor may not even see the suggestion in that state (a draft).
    assert isinstance(refused.value, (TransitionNotAllowed, NotFound)), refused.value
    assert snapshot(s) == before


# ---------------------------------------------------------------- pre-review (前置审核)


def test_submitting_sends_the_draft_to_pre_review_without_a_number(staff, world):
    s = walk(staff, world, Status.IN_REVIEW)
    assert s.status == Status.IN_REVIEW and s.code == "" and s.seq is None
    assert not DutyRecord.objects.filter(source="suggestion", source_id=s.pk).exists()
    assert Notification.objects.filter(recipient=staff.supervisor, title__contains=s.title).exists()


def test_a_returned_draft_shows_the_reasons_to_its_proposers_and_may_be_resubmitted(staff, world):
    s = walk(staff, world, Status.IN_REVIEW)
    response = act(login(staff.supervisor), s, "return_draft", {"reasons": "案由不够具体，请补充群众反映的具体点位。"})
    assert response.status_code == 302
    s = Suggestion.objects.get(pk=s.pk)
    assert s.status == Status.DRAFT and s.code == ""
    page = login(staff.deputy).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert "案由不够具体，请补充群众反映的具体点位。" in page
    assert Notification.objects.filter(recipient=staff.deputy, body__contains="请补充群众反映的具体点位").exists()
    event = SuggestionEvent.objects.filter(suggestion=s).latest("id")
    assert (event.action, event.from_status, event.to_status) == ("return_draft", "in_review", "draft")

    services.suggestion_submit(suggestion_id=s.pk, actor=staff.deputy)
    services.suggestion_pass_review(suggestion_id=s.pk, actor=staff.supervisor)
    s = Suggestion.objects.get(pk=s.pk)
    assert s.status == Status.SUBMITTED and s.code.startswith("JY") and s.returned_reasons == ""
    page = login(staff.deputy).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'id="returned"' not in page  # the banner is gone; the history still tells the return


@pytest.mark.parametrize("reasons", ["", "   ", "理" * 2001])
def test_returning_without_reasons_or_with_too_long_ones_is_400_and_changes_nothing(staff, world, reasons):
    s = walk(staff, world, Status.IN_REVIEW)
    before = snapshot(s)
    response = api(staff.supervisor).post(f"/api/v1/suggestions/{s.pk}/return_draft/", {"reasons": reasons},
                                          format="json")
    assert response.status_code == 400
    assert snapshot(s) == before
    page = act(login(staff.supervisor), s, "return_draft", {"reasons": reasons})
    assert page.status_code == 400 and errors_on(page)


def test_passing_pre_review_numbers_the_suggestion_and_writes_the_duty_records(staff, world, joint):
    s = walk(staff, world, Status.IN_REVIEW, joint=joint)
    assert act(login(staff.supervisor), s, "pass_review").status_code == 302
    s = Suggestion.objects.get(pk=s.pk)
    assert s.status == Status.SUBMITTED and s.code.startswith("JY") and s.submitted_at is not None
    records = DutyRecord.objects.filter(source="suggestion", source_id=s.pk)
    assert sorted(records.values_list("deputy_id", flat=True)) == sorted([staff.deputy.deputy_id, joint.deputy_id])


def test_only_supervisors_review_and_handlers_do_not_see_a_suggestion_in_review(staff, world, joint):
    s = walk(staff, world, Status.IN_REVIEW, joint=joint)
    assert act(login(staff.deputy), s, "pass_review").status_code == 403
    assert act(login(joint), s, "return_draft", {"reasons": "不行"}).status_code == 403
    assert login(staff.handler).get(reverse("suggestions:detail", args=[s.pk])).status_code == 404
    assert Suggestion.objects.get(pk=s.pk).status == Status.IN_REVIEW


def test_a_suggestion_in_review_may_be_withdrawn_by_its_lead_proposer(staff, world):
    s = walk(staff, world, Status.IN_REVIEW)
    services.suggestion_withdraw(suggestion_id=s.pk, actor=staff.deputy, reason="与另一件建议合并")
    assert Suggestion.objects.get(pk=s.pk).status == Status.WITHDRAWN


# ---------------------------------------------------------------- contacts with the proposers (办前/办中/办后)


def key_suggestion(staff, world, **kw):
    s = walk(staff, world, Status.SUBMITTED, **kw)
    services.suggestion_assign(suggestion_id=s.pk, actor=staff.supervisor, lead_department=world.department,
                               co_departments=[world.other_department], is_key=True)
    return Suggestion.objects.get(pk=s.pk)


def contact(staff, s, stage, **kw):
    fields = {"stage": stage, "held_on": timezone.localdate(), "form": "meeting",
              "participants": "领衔代表；住建局副局长", "agreed": "先行试点两个小区，月底前报送方案。", **kw}
    return services.suggestion_contact(suggestion_id=s.pk, actor=staff.handler, **fields)


def reply(client, s):
    return act(client, s, "reply", {"reply_class": "A", "text": "已完成加装电梯12部。"})


def test_a_key_suggestion_is_answered_only_after_the_contacts_before_and_during(staff, world):
    s = key_suggestion(staff, world)
    handler = login(staff.handler)
    before = snapshot(s)
    response = reply(handler, s)
    assert response.status_code == 409
    assert "办前沟通" in response.content.decode() and "办中共商" in response.content.decode()
    assert snapshot(s) == before
    contact(staff, s, "before")
    assert reply(handler, s).status_code == 409
    contact(staff, s, "during", form="forum")
    assert reply(handler, s).status_code == 302
    assert Suggestion.objects.get(pk=s.pk).status == Status.REPLIED


def test_an_ordinary_suggestion_is_answered_without_contacts(staff, world):
    s = walk(staff, world, Status.ASSIGNED)
    assert reply(login(staff.handler), s).status_code == 302


def test_a_key_suggestion_is_closed_only_after_the_contact_after_the_reply(staff, world):
    s = key_suggestion(staff, world)
    contact(staff, s, "before")
    contact(staff, s, "during")
    services.suggestion_reply(suggestion_id=s.pk, actor=staff.handler, reply_class="A", text="已办理完毕。")
    supervisor = login(staff.supervisor)
    response = act(supervisor, s, "close")
    assert response.status_code == 409 and "办后回访" in response.content.decode()
    assert Suggestion.objects.get(pk=s.pk).status == Status.REPLIED
    contact(staff, s, "after", form="phone", agreed="代表认可办理结果。")
    assert act(supervisor, s, "close").status_code == 302
    assert Suggestion.objects.get(pk=s.pk).status == Status.CLOSED


def test_contacts_are_shown_on_the_page_with_stage_form_who_and_what_was_agreed(staff, world):
    s = key_suggestion(staff, world)
    contact(staff, s, "before", participants="王代表；住建局副局长李明", agreed="约定先行实地查看三个小区。")
    page = login(staff.deputy).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert "王代表；住建局副局长李明" in page and "约定先行实地查看三个小区。" in page
    assert "办前沟通" in page and "面谈" in page


def test_the_stage_must_fit_the_handling_before_and_after_the_reply(staff, world):
    s = key_suggestion(staff, world)
    with pytest.raises(InvalidInput) as early:
        contact(staff, s, "after")
    assert "stage" in early.value.field_errors
    contact(staff, s, "before")
    contact(staff, s, "during")
    services.suggestion_reply(suggestion_id=s.pk, actor=staff.handler, reply_class="A", text="已办理完毕。")
    with pytest.raises(InvalidInput) as late:
        contact(staff, s, "during")
    assert "stage" in late.value.field_errors


@pytest.mark.parametrize("field,value", [
    ("participants", ""), ("participants", "人" * 201), ("agreed", "  "), ("agreed", "议" * 2001),
    ("held_on", "2026-01-01"), ("form", "telepathy"), ("stage", "whenever"),
])
def test_bad_contact_input_is_refused_and_records_nothing(staff, world, field, value):
    s = key_suggestion(staff, world)
    before = snapshot(s)
    body = {"stage": "before", "held_on": timezone.localdate().isoformat(), "form": "phone",
            "participants": "领衔代表", "agreed": "约定实地查看。", field: value}
    response = api(staff.handler).post(f"/api/v1/suggestions/{s.pk}/contact/", body, format="json")
    # A well-formed date the service declines (before the assignment) is 422; malformed input is 400.
    assert response.status_code == (422 if field == "held_on" else 400), response.content
    assert snapshot(s) == before and not s.contacts.exists()


def test_a_contact_dated_before_the_assignment_or_in_the_future_is_refused(staff, world):
    s = key_suggestion(staff, world)
    for day in (timezone.localdate() - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(InvalidInput) as refused:
            contact(staff, s, "before", held_on=day)
        assert "held_on" in refused.value.field_errors
    assert not s.contacts.exists()


def test_only_the_lead_department_records_contacts(staff, world):
    s = key_suggestion(staff, world)
    body = {"contact-stage": "before", "contact-held_on": timezone.localdate().isoformat(), "contact-form": "phone",
            "contact-participants": "领衔代表", "contact-agreed": "约定实地查看。"}
    url = reverse("suggestions:contact", args=[s.pk])
    assert login(staff.other_handler).post(url, body).status_code == 403
    assert login(staff.deputy).post(url, body).status_code == 403
    assert not s.contacts.exists()


# ---------------------------------------------------------------- bills (议案)


def test_bills_and_suggestions_are_numbered_on_their_own_sequences(staff, world):
    first = walk(staff, world, Status.SUBMITTED)
    bill = walk(staff, world, Status.SUBMITTED, kind="bill", title="关于制定农村生活垃圾治理办法的议案")
    second = walk(staff, world, Status.SUBMITTED)
    year = timezone.localdate().year
    assert (first.code, second.code) == (f"JY{year}-0001", f"JY{year}-0002")
    assert bill.code == f"YA{year}-0001" and bill.kind == "bill"
    page = login(staff.supervisor).get(reverse("suggestions:detail", args=[bill.pk])).content.decode()
    assert "议案" in page


def test_a_deputy_drafts_a_bill_on_the_page_and_may_turn_it_back_into_a_suggestion(staff, world):
    deputy = login(staff.deputy)
    response = deputy.post(reverse("suggestions:new"), {
        "kind": "bill", "title": "关于制定城区停车管理办法的议案", "content": "案由：停车难。建议：制定管理办法。"})
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert s.kind == "bill"
    response = deputy.post(reverse("suggestions:edit", args=[s.pk]), {
        "kind": "suggestion", "title": s.title, "content": s.content})
    assert response.status_code == 302 and Suggestion.objects.get(pk=s.pk).kind == "suggestion"


def test_an_unknown_kind_is_400_and_drafts_nothing(staff, world):
    response = api(staff.deputy).post("/api/v1/suggestions/", {"title": "关于停车的议案", "kind": "petition"},
                                      format="json")
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    assert not Suggestion.objects.exists()
    with pytest.raises(InvalidInput):
        services.suggestion_draft(actor=staff.deputy, title="关于停车的议案", kind="petition")
    assert not Suggestion.objects.exists()


def test_the_api_lists_bills_apart(staff, world):
    walk(staff, world, Status.SUBMITTED)
    bill = walk(staff, world, Status.SUBMITTED, kind="bill")
    body = api(staff.supervisor).get("/api/v1/suggestions/", {"kind": "bill"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [r["code"] for r in rows] == [bill.code] and rows[0]["kind"] == "bill"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_bills_and_suggestions_passed_at_once_keep_distinct_consecutive_numbers(staff, world):
    pending = [walk(staff, world, Status.IN_REVIEW, kind=kind) for kind in ["bill", "suggestion"] * 5]
    results = run_in_threads([
        (lambda pk=s.pk: services.suggestion_pass_review(suggestion_id=pk, actor=staff.supervisor))
        for s in pending])
    assert all(isinstance(r, Suggestion) for r in results), results
    year = timezone.localdate().year
    codes = sorted(Suggestion.objects.values_list("code", flat=True))
    assert codes == sorted([f"JY{year}-{n:04d}" for n in range(1, 6)] + [f"YA{year}-{n:04d}" for n in range(1, 6)])


# ---------------------------------------------------------------- named leaders (领导领办/督办)


def test_a_key_suggestion_names_the_leader_who_leads_it_on_its_page(staff, world):
    s = walk(staff, world, Status.SUBMITTED)
    response = act(login(staff.supervisor), s, "assign", {
        "lead_department": world.department.pk, "is_key": "on", "leader": "副区长 王强", "leader_role": "lead"})
    assert response.status_code == 302
    for user in (staff.deputy, staff.handler):
        page = login(user).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
        assert "副区长 王强" in page and "领导领办" in page
    body = api(staff.handler).get(f"/api/v1/suggestions/{s.pk}/").json()
    assert body["assignment"]["leader"] == "副区长 王强" and body["assignment"]["leader_role"] == "lead"


@pytest.mark.parametrize("fields,error_on", [
    ({"leader": "副区长 王强", "leader_role": "lead"}, "leader"),  # not a key suggestion
    ({"is_key": "on", "leader": "副区长 王强"}, "leader_role"),
    ({"is_key": "on", "leader_role": "supervise"}, "leader"),
    ({"is_key": "on", "leader": "王" * 101, "leader_role": "lead"}, "leader"),
])
def test_a_leader_needs_a_key_suggestion_a_role_and_a_short_name(staff, world, fields, error_on):
    s = walk(staff, world, Status.SUBMITTED)
    before = snapshot(s)
    response = act(login(staff.supervisor), s, "assign", {"lead_department": world.department.pk, **fields})
    assert response.status_code == 400 and errors_on(response)
    assert snapshot(s) == before and not Suggestion.objects.get(pk=s.pk).events.filter(action="assign").exists()
