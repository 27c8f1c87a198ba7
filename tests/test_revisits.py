"""Call-backs (回访): the centre calls the resident after each reply and each dissatisfied rating, sees the number
only for the call, records what the resident said, may have the demand handled again, and the dashboard counts
回访率 and the agreement between call-backs and ratings (docs/lifecycles.md#call-backs, docs/figures.md)."""

import datetime as dt
import io
import logging

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.actors import ResidentActor
from core.errors import InvalidInput, NotPermitted
from demands import services as demand_services
from demands.models import Demand, DemandEvent, Outcome, Rating
from demands.states import Action as DemandAction
from demands.states import Status as DemandStatus
from revisits import services
from revisits.models import RevisitEvent, RevisitTask
from revisits.states import Action, Reason, Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def due(walk, django_capture_on_commit_callbacks):
    """due(state, **kwargs): a demand walked to `state` with its after-commit receivers run, as in production."""

    def _due(state, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return walk(state, **kwargs)

    return _due


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service call with its after-commit receivers."""

    def _run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return _run


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reply_task(demand) -> RevisitTask:
    return RevisitTask.objects.get(demand=demand, reason=Reason.REPLY)


def reach_data(**overrides):
    data = {"reach-said": "已经清运了，现在很干净。", "reach-view": Rating.SATISFIED}
    data.update(overrides)
    return data


def snapshot(task):
    task.refresh_from_db()
    return (task.status, task.attempts, task.view, task.said, task.reopened, task.events.count())


# ---------------------------------------------------------------- falling due


def test_the_units_reply_makes_a_call_back_due(due):
    demand = due(DemandStatus.RESOLVED)

    task = RevisitTask.objects.get(demand=demand)
    assert (task.reason, task.round, task.status, task.attempts) == (Reason.REPLY, 0, Status.OPEN, 0)
    assert task.source_event.action == DemandAction.RESOLVE
    assert list(task.events.values_list("action", flat=True)) == [Action.CREATE]


def test_a_satisfied_rating_makes_no_call_back_of_its_own(due):
    demand = due(DemandStatus.CLOSED)  # rated satisfied

    assert list(RevisitTask.objects.filter(demand=demand).values_list("reason", flat=True)) == [Reason.REPLY]


def test_every_dissatisfied_rating_makes_a_call_back_due(due, committed, staff):
    demand = due(DemandStatus.VERIFIED)
    committed(demand_services.demand_rate, demand_id=demand.pk, actor=ResidentActor(demand.pk),
              rating=Rating.DISSATISFIED)
    # Handled again (the first "dissatisfied" reopens), replied again, rated "dissatisfied" a second time.
    committed(demand_services.demand_accept, demand_id=demand.pk, actor=staff.handler)
    committed(demand_services.demand_resolve, demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED,
              reply="已再次安排清运，并增加了清运频次。")
    committed(demand_services.demand_verify, demand_id=demand.pk, actor=staff.supervisor)
    committed(demand_services.demand_rate, demand_id=demand.pk, actor=ResidentActor(demand.pk),
              rating=Rating.DISSATISFIED)

    tasks = list(RevisitTask.objects.filter(demand=demand).order_by("round", "reason")
                 .values_list("reason", "round"))
    assert tasks == [(Reason.DISSATISFIED, 0), (Reason.REPLY, 0), (Reason.DISSATISFIED, 1), (Reason.REPLY, 1)]


def test_the_same_event_twice_makes_one_task(due):
    demand = due(DemandStatus.RESOLVED)
    event = DemandEvent.objects.get(demand=demand, action=DemandAction.RESOLVE)

    again = services.revisit_tasks_for_event(event_id=event.pk)
    services.revisit_tasks_backfill()
    services.revisit_tasks_backfill()

    assert RevisitTask.objects.filter(demand=demand).count() == 1
    assert again == reply_task(demand)
    assert RevisitEvent.objects.filter(task=again, action=Action.CREATE).count() == 1


def test_the_history_makes_the_tasks_a_missed_signal_left_out(walk, staff):
    demand = walk(DemandStatus.VERIFIED)  # no after-commit receivers ran
    demand_services.demand_rate(demand_id=demand.pk, actor=ResidentActor(demand.pk), rating=Rating.DISSATISFIED)
    demand_services.demand_accept(demand_id=demand.pk, actor=staff.handler)
    demand_services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED, reply="已清运。")
    assert not RevisitTask.objects.exists()

    call_command("revisit_backfill", stdout=io.StringIO())
    call_command("revisit_backfill", stdout=io.StringIO())

    assert sorted(RevisitTask.objects.values_list("reason", "round", "status")) == [
        (Reason.DISSATISFIED, 0, Status.OPEN), (Reason.REPLY, 0, Status.OPEN), (Reason.REPLY, 1, Status.OPEN)]
    assert RevisitEvent.objects.filter(action=Action.CREATE).count() == 3


# ---------------------------------------------------------------- the list


def test_the_list_shows_open_tasks_oldest_first_and_never_the_number(due, township_dispatcher):
    older, newer, done = due(DemandStatus.RESOLVED), due(DemandStatus.RESOLVED), due(DemandStatus.RESOLVED)
    task = reply_task(done)
    services.revisit_reach(task_id=task.pk, actor=township_dispatcher, said="已解决。", view=Rating.SATISFIED)

    response = client_for(township_dispatcher).get("/staff/revisits/")

    html = response.content.decode()
    assert response.status_code == 200
    assert PHONE not in html and MASKED in html
    positions = [html.index(d.public_no) for d in (older, newer, done)]
    assert positions == sorted(positions)
    assert "2 个回访待办" in html


def test_the_workbench_counts_the_call_backs_to_make(due, township_dispatcher, handler):
    due(DemandStatus.RESOLVED)
    assert "待回访 1" in client_for(township_dispatcher).get("/staff/").content.decode()
    due(DemandStatus.RESOLVED)
    assert "待回访 2" in client_for(township_dispatcher).get("/staff/").content.decode()
    assert "/staff/revisits/" not in client_for(handler).get("/staff/").content.decode()


def test_another_centre_sees_none_of_the_townships_tasks(due, other_township_dispatcher):
    demand = due(DemandStatus.RESOLVED)

    html = client_for(other_township_dispatcher).get("/staff/revisits/").content.decode()
    assert demand.public_no not in html
    assert client_for(other_township_dispatcher).get(f"/staff/revisits/{reply_task(demand).pk}/").status_code == 404


# ---------------------------------------------------------------- the number


def test_show_number_reveals_it_for_this_call_only_and_is_audited(due, township_dispatcher, caplog):
    caplog.set_level(logging.INFO)
    task = reply_task(due(DemandStatus.RESOLVED))
    client = client_for(township_dispatcher)
    assert PHONE not in client.get(f"/staff/revisits/{task.pk}/").content.decode()

    response = client.post(f"/staff/revisits/{task.pk}/reveal/")

    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]  # no browser or proxy keeps the page with the number
    reveal = RevisitEvent.objects.get(task=task, action=Action.REVEAL)
    assert reveal.actor == township_dispatcher and PHONE not in str(reveal.data) + reveal.note
    lines = [r.getMessage() for r in caplog.records if r.name == "core.audit" and "phone_revealed" in r.getMessage()]
    assert lines == [f"phone_revealed actor={township_dispatcher.pk} ip=127.0.0.1 task={task.pk} "
                     f"demand={task.demand_id}"]
    assert not any(PHONE in r.getMessage() for r in caplog.records)
    # The next page shows it masked again.
    later = client.get(f"/staff/revisits/{task.pk}/").content.decode()
    assert PHONE not in later and MASKED in later


@pytest.mark.parametrize("who, status", [("supervisor", 403), ("other_township_dispatcher", 404),
                                         ("handler", 404), ("resident", 404)])
def test_show_number_is_only_for_the_callers_centre(due, world_and_users, who, status):
    task = reply_task(due(DemandStatus.RESOLVED))

    response = client_for(world_and_users.user(who)).post(f"/staff/revisits/{task.pk}/reveal/")

    assert response.status_code == status
    assert PHONE not in response.content.decode()
    assert not RevisitEvent.objects.filter(action=Action.REVEAL).exists()
    if status == 403:
        assert "只有负责这件诉求的中心才能回访群众" in response.content.decode()


def test_show_number_is_rate_limited(due, township_dispatcher, settings):
    settings.REVISIT_REVEAL_LIMIT = 2
    task = reply_task(due(DemandStatus.RESOLVED))
    client = client_for(township_dispatcher)

    statuses = [client.post(f"/staff/revisits/{task.pk}/reveal/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert RevisitEvent.objects.filter(task=task, action=Action.REVEAL).count() == 2


def test_an_anonymous_demand_is_listed_as_not_callable_and_closed_as_such(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED, contact_name="", contact_phone=""))
    client = client_for(township_dispatcher)
    assert "没有电话，无法回访" in client.get("/staff/revisits/").content.decode()

    refused = client.post(f"/staff/revisits/{task.pk}/reveal/")
    assert refused.status_code == 409
    assert "群众没有留下电话" in refused.content.decode()
    assert client.post(f"/staff/revisits/{task.pk}/reach/", reach_data()).status_code == 409

    closed = client.post(f"/staff/revisits/{task.pk}/uncallable/", {"close_uncallable-note": "匿名反映"})

    assert closed.status_code == 302
    task.refresh_from_db()
    assert task.status == Status.UNCALLABLE and task.closed_at is not None


def test_a_demand_the_addressed_deputy_holds_is_not_the_centres_to_call(
        world, deputy, township_dispatcher, committed):
    demand = committed(demand_services.demand_receive, actor=None, type="help", channel="qr",
                       content="村口路灯坏了一个月，晚上看不见路。", deputy=world.deputy_record,
                       contact_name="王秀英", contact_phone=PHONE)
    committed(demand_services.demand_accept, demand_id=demand.pk, actor=deputy)
    committed(demand_services.demand_resolve, demand_id=demand.pk, actor=deputy, outcome=Outcome.EXPLAINED,
              reply="已联系供电所，本周内修好。")
    task = reply_task(demand)
    client = client_for(township_dispatcher)
    assert "不由中心回访" in client.get("/staff/revisits/").content.decode()

    refused = client.post(f"/staff/revisits/{task.pk}/reveal/")

    assert refused.status_code == 409 and PHONE not in refused.content.decode()
    assert "号码只对该代表可见" in refused.content.decode()
    assert client.post(f"/staff/revisits/{task.pk}/uncallable/", {}).status_code == 302


def test_a_callable_task_cannot_be_closed_as_not_callable(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED))

    response = client_for(township_dispatcher).post(f"/staff/revisits/{task.pk}/uncallable/", {})

    assert response.status_code == 409
    assert "可以联系到这位群众" in response.content.decode()
    assert reply_task(task.demand).status == Status.OPEN


# ---------------------------------------------------------------- the outcome


def test_reaching_the_resident_records_what_they_said_and_their_view(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED))

    response = client_for(township_dispatcher).post(
        f"/staff/revisits/{task.pk}/reach/", reach_data(**{"reach-view": Rating.BASICALLY_SATISFIED}))

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.view, task.said, task.attempts) == (
        Status.REACHED, Rating.BASICALLY_SATISFIED, "已经清运了，现在很干净。", 1)
    event = task.events.get(action=Action.REACH)
    assert event.actor == township_dispatcher and event.data["view"] == Rating.BASICALLY_SATISFIED
    assert task.demand.status == DemandStatus.RESOLVED  # nothing asked of the demand


@pytest.mark.parametrize("data, field_message", [
    (reach_data(**{"reach-said": "清运了\x00"}), "不能包含空字符（NUL）"),
    (reach_data(**{"reach-said": "很" * 1001}), "确保该变量包含不超过 1000 字符"),
    (reach_data(**{"reach-said": "   "}), "该字段是必填项"),
    (reach_data(**{"reach-view": "delighted"}), "delighted 不在可用的选项中"),
], ids=["nul", "too long", "blank", "unknown view"])
def test_bad_outcome_input_is_refused_and_changes_nothing(due, township_dispatcher, data, field_message):
    task = reply_task(due(DemandStatus.RESOLVED))
    before = snapshot(task)

    response = client_for(township_dispatcher).post(f"/staff/revisits/{task.pk}/reach/", data)

    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert snapshot(task) == before


def test_the_services_refuse_nul_bytes_too(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED))

    with pytest.raises(InvalidInput):
        services.revisit_reach(task_id=task.pk, actor=township_dispatcher, said="好\x00", view=Rating.SATISFIED)
    assert reply_task(task.demand).status == Status.OPEN


def test_not_reached_is_counted_and_the_last_attempt_closes_the_task(due, township_dispatcher, settings):
    settings.REVISIT_MAX_ATTEMPTS = 3
    task = reply_task(due(DemandStatus.RESOLVED))
    client = client_for(township_dispatcher)

    for note in ("无人接听", "占线", "关机"):
        assert client.post(f"/staff/revisits/{task.pk}/miss/", {"miss-note": note}).status_code == 302
        task.refresh_from_db()

    assert (task.status, task.attempts) == (Status.UNREACHED, 3)
    assert list(task.events.filter(action=Action.MISS).values_list("to_status", flat=True)) == [
        Status.OPEN, Status.OPEN, Status.UNREACHED]
    again = client.post(f"/staff/revisits/{task.pk}/miss/", {"miss-note": "再试"})
    assert again.status_code == 409
    assert "回访当前为“未联系上”，不能执行“记录未接通”。" in again.content.decode()


def test_a_task_not_reached_yet_may_be_reached_on_a_later_try(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED))
    services.revisit_miss(task_id=task.pk, actor=township_dispatcher, note="无人接听")

    services.revisit_reach(task_id=task.pk, actor=township_dispatcher, said="已解决。", view=Rating.SATISFIED)

    task.refresh_from_db()
    assert (task.status, task.attempts) == (Status.REACHED, 2)


# ---------------------------------------------------------------- handled again


def test_a_dissatisfied_resident_has_the_demand_handled_again_through_the_reopen(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED))

    response = client_for(township_dispatcher).post(f"/staff/revisits/{task.pk}/reach/", reach_data(**{
        "reach-said": "根本没人来清运。", "reach-view": Rating.DISSATISFIED, "reach-reopen": "on",
        "reach-reopen_reason": "群众反映垃圾仍未清运，请重新处理。"}))

    assert response.status_code == 302
    demand = Demand.objects.get(pk=task.demand_id)
    assert (demand.status, demand.rework_count) == (DemandStatus.DISPATCHED, 1)
    reopen = demand.events.get(action=DemandAction.REOPEN)
    assert reopen.note == "群众反映垃圾仍未清运，请重新处理。" and reopen.actor_kind == DemandEvent.ActorKind.SYSTEM
    task.refresh_from_db()
    assert task.reopened and task.status == Status.REACHED
    assert task.events.get(action=Action.REACH).actor == township_dispatcher  # the call names who asked


def test_a_reopen_the_demands_state_refuses_is_explained_and_changes_nothing(due, committed, township_dispatcher):
    demand = due(DemandStatus.VERIFIED)
    committed(demand_services.demand_rate, demand_id=demand.pk, actor=ResidentActor(demand.pk),
              rating=Rating.DISSATISFIED)  # already handled again by the system
    task = RevisitTask.objects.get(demand=demand, reason=Reason.DISSATISFIED)
    before = snapshot(task)

    response = client_for(township_dispatcher).post(f"/staff/revisits/{task.pk}/reach/", reach_data(**{
        "reach-view": Rating.DISSATISFIED, "reach-reopen": "on"}))

    assert response.status_code == 409
    assert "诉求当前为“已派单”状态，不能执行“重办”。" in response.content.decode()
    assert snapshot(task) == before
    demand.refresh_from_db()
    assert (demand.status, demand.rework_count) == (DemandStatus.DISPATCHED, 1)


def test_only_a_dissatisfied_resident_has_the_demand_handled_again(due, township_dispatcher):
    task = reply_task(due(DemandStatus.RESOLVED))

    response = client_for(township_dispatcher).post(f"/staff/revisits/{task.pk}/reach/", reach_data(**{
        "reach-view": Rating.SATISFIED, "reach-reopen": "on"}))

    assert response.status_code == 400
    assert "只有群众表示不满意" in response.content.decode()
    assert Demand.objects.get(pk=task.demand_id).status == DemandStatus.RESOLVED


def test_supervisors_see_the_list_but_do_not_call(due, supervisor):
    demand = due(DemandStatus.RESOLVED)
    task = reply_task(demand)
    client = client_for(supervisor)

    assert demand.public_no in client.get("/staff/revisits/").content.decode()
    refused = client.post(f"/staff/revisits/{task.pk}/reach/", reach_data())

    assert refused.status_code == 403
    assert "只有负责这件诉求的中心才能回访群众" in refused.content.decode()
    assert reply_task(demand).status == Status.OPEN


def test_a_district_centre_demand_is_the_district_dispatchers_to_call(due, township_dispatcher, dispatcher):
    demand = due(DemandStatus.RESOLVED)
    Demand.objects.filter(pk=demand.pk).update(at_district_centre=True)
    task = reply_task(demand)

    assert demand.public_no not in client_for(township_dispatcher).get("/staff/revisits/").content.decode()
    with pytest.raises(NotPermitted):
        services.revisit_reveal(task_id=task.pk, actor=township_dispatcher)
    assert services.revisit_reveal(task_id=task.pk, actor=dispatcher) == PHONE


# ---------------------------------------------------------------- the figures


@pytest.fixture
def figures_world(due, committed, staff, township_dispatcher):
    """Seven call-backs due on six demands received this year, one anonymous demand, one demand of last year.
    The figures count demands (件), each once however many call-backs it had.

    demand  rating now            call-back (reply task unless said)          due  reached  compared  agrees
    a       satisfied             reached: satisfied                          1    1        1         1
    b       satisfied             reached: dissatisfied                       1    1        1         0
    g       basically satisfied   reached: satisfied                          1    1        1         1
    c       —  (resolved)         not reached after 3 attempts                1    0        0         0
    e       —  (resolved)         open                                        1    0        0         0
    f       — (first dissatisfied reply: reached dissatisfied; dissatisfied   1    1        0 (rating cleared by
              rating, reopened)   task: open)                                               the reopen)
    anon    satisfied             no phone: closed as not callable            0    0        0         0
    old     satisfied (last year) reached: satisfied                          outside the period
    回访率 = 4 / 6 demands (66.7%; counting tasks would give 4 / 7); agreement = 2 / 3.
    """
    call = township_dispatcher
    made = {}

    def reached(demand, view, reason=Reason.REPLY):
        task = RevisitTask.objects.get(demand=demand, reason=reason)
        services.revisit_reach(task_id=task.pk, actor=call, said="回访记录", view=view)

    def rated(state_rating, view):
        demand = due(DemandStatus.VERIFIED)
        reached(demand, view)
        committed(demand_services.demand_rate, demand_id=demand.pk, actor=ResidentActor(demand.pk),
                  rating=state_rating)
        return demand

    made["a"] = rated(Rating.SATISFIED, Rating.SATISFIED)
    made["b"] = rated(Rating.SATISFIED, Rating.DISSATISFIED)
    made["g"] = rated(Rating.BASICALLY_SATISFIED, Rating.SATISFIED)
    made["c"] = c = due(DemandStatus.RESOLVED)
    for _ in range(3):
        services.revisit_miss(task_id=reply_task(c).pk, actor=call)
    made["e"] = due(DemandStatus.RESOLVED)
    made["f"] = f = due(DemandStatus.VERIFIED)
    reached(f, Rating.DISSATISFIED)
    committed(demand_services.demand_rate, demand_id=f.pk, actor=ResidentActor(f.pk), rating=Rating.DISSATISFIED)
    made["anon"] = anon = due(DemandStatus.CLOSED, contact_name="", contact_phone="")
    services.revisit_close_uncallable(task_id=reply_task(anon).pk, actor=call)
    made["old"] = old = rated(Rating.SATISFIED, Rating.SATISFIED)
    Demand.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=old.created_at.year - 1))
    assert RevisitTask.objects.count() == 9
    return made


def flags(demand) -> tuple[bool, bool, bool, bool]:
    demand.refresh_from_db()
    return demand.callback_due, demand.callback_reached, demand.callback_compared, demand.callback_agrees


def test_each_demand_carries_its_call_back_flags(figures_world):
    expected = {"a": (1, 1, 1, 1), "b": (1, 1, 1, 0), "g": (1, 1, 1, 1), "c": (1, 0, 0, 0), "e": (1, 0, 0, 0),
                "f": (1, 1, 0, 0), "anon": (0, 0, 0, 0), "old": (1, 1, 1, 1)}
    assert {k: tuple(map(int, flags(d))) for k, d in figures_world.items()} == expected


def test_the_dashboard_api_counts_both_call_back_figures_per_demand(figures_world, supervisor):
    client = client_for(supervisor)
    figures = client.get("/api/v1/dashboard/").json()["figures"]

    assert {k: figures["revisit_rate"][k] for k in ("numerator", "denominator", "display")} == {
        "numerator": 4, "denominator": 6, "display": "66.7%"}
    assert {k: figures["revisit_agreement"][k] for k in ("numerator", "denominator", "display")} == {
        "numerator": 2, "denominator": 3, "display": "66.7%"}
    # Each part links to the workbench list of exactly the demands it counts.
    for name in ("revisit_rate", "revisit_agreement"):
        for part in ("numerator", "denominator"):
            listed = client.get(figures[name][f"{part}_link"]).context["page"].paginator.count
            assert listed == figures[name][part], (name, part)
    page = client.get(figures["revisit_agreement"]["numerator_link"]).content.decode()
    assert figures_world["a"].public_no in page and figures_world["b"].public_no not in page


def test_the_ledger_keeps_the_call_back_figures_as_counting_the_demands_would(figures_world, supervisor):
    from supervise.selectors import DashboardFilters

    from .test_figures_ledger import assert_ledger_matches

    today = timezone.localdate()
    assert_ledger_matches(supervisor, DashboardFilters(date_from=today.replace(month=1, day=1), date_to=today),
                          granularities=("month",))


def test_the_dashboard_page_shows_them_with_their_definitions(figures_world, township_dispatcher,
                                                               other_township_dispatcher):
    html = client_for(township_dispatcher).get("/staff/dashboard/").content.decode()
    assert "回访率" in html and "4</a> / <a" in html and "66.7%" in html
    assert "回访与评价一致率" in html

    # Another township's centre counts none of them: its scope, as for every other figure.
    other = client_for(other_township_dispatcher).get("/api/v1/dashboard/").json()["figures"]
    assert other["revisit_rate"]["display"] == "—" and other["revisit_agreement"]["denominator"] == 0


def test_the_period_filter_applies_to_the_call_back_figures(figures_world, supervisor):
    old = Demand.objects.order_by("created_at").first()
    year = old.created_at.year
    figures = client_for(supervisor).get(
        f"/api/v1/dashboard/?date_from={year}-01-01&date_to={year}-12-31").json()["figures"]

    assert (figures["revisit_rate"]["numerator"], figures["revisit_rate"]["denominator"]) == (1, 1)
    assert (figures["revisit_agreement"]["numerator"], figures["revisit_agreement"]["denominator"]) == (1, 1)


def test_the_flags_follow_the_call_backs_the_rating_and_the_round(due, committed, staff, township_dispatcher):
    demand = due(DemandStatus.VERIFIED)
    assert flags(demand) == (True, False, False, False)  # the reply made a call-back due

    updated_at = demand.updated_at
    services.revisit_reach(task_id=reply_task(demand).pk, actor=township_dispatcher, said="已清运", view=Rating.SATISFIED)
    assert flags(demand) == (True, True, False, False)  # reached, not rated yet
    assert demand.updated_at == updated_at  # a flag is no change of the demand's own

    committed(demand_services.demand_rate, demand_id=demand.pk, actor=ResidentActor(demand.pk),
              rating=Rating.BASICALLY_SATISFIED)
    assert flags(demand) == (True, True, True, True)  # rated on the call-back's side

    committed(demand_services.demand_reopen, demand_id=demand.pk, actor=staff.supervisor, reason="群众再次反映")
    assert flags(demand) == (True, True, False, False)  # a new round: no rating, no call-back in it

    # Replied again: the new round's call-back heard "dissatisfied", and the resident then rated "satisfied".
    committed(demand_services.demand_accept, demand_id=demand.pk, actor=staff.handler)
    committed(demand_services.demand_resolve, demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED,
              reply="已再次清运。")
    committed(demand_services.demand_verify, demand_id=demand.pk, actor=staff.supervisor)
    second = RevisitTask.objects.get(demand=demand, reason=Reason.REPLY, round=1)
    services.revisit_reach(task_id=second.pk, actor=township_dispatcher, said="还是没弄好", view=Rating.DISSATISFIED)
    committed(demand_services.demand_rate, demand_id=demand.pk, actor=ResidentActor(demand.pk),
              rating=Rating.SATISFIED)
    assert flags(demand) == (True, True, True, False)  # compared in this round, and on the other side


def test_a_call_back_closed_as_not_callable_is_not_due(world, deputy, township_dispatcher, committed, due):
    # A phone number, but the addressed deputy holds the demand: due until the centre closes it as not its to call.
    demand = committed(demand_services.demand_receive, actor=None, type="help", channel="qr",
                       content="村口路灯坏了一个月，晚上看不见路。", deputy=world.deputy_record,
                       contact_name="王秀英", contact_phone=PHONE)
    committed(demand_services.demand_accept, demand_id=demand.pk, actor=deputy)
    committed(demand_services.demand_resolve, demand_id=demand.pk, actor=deputy, outcome=Outcome.EXPLAINED,
              reply="已联系供电所，本周内修好。")
    assert flags(demand) == (True, False, False, False)

    services.revisit_close_uncallable(task_id=reply_task(demand).pk, actor=township_dispatcher)

    assert flags(demand) == (False, False, False, False)
    # And an anonymous demand is never due.
    assert flags(due(DemandStatus.RESOLVED, contact_name="", contact_phone="")) == (False, False, False, False)


def test_the_backfill_sets_the_flags_a_failed_receiver_left_out(due, township_dispatcher):
    demand = due(DemandStatus.RESOLVED)
    Demand.objects.filter(pk=demand.pk).update(callback_due=False)
    assert flags(demand)[0] is False

    call_command("revisit_backfill", stdout=io.StringIO())

    assert flags(demand) == (True, False, False, False)


def test_the_list_reads_a_page_in_the_same_queries_however_many_tasks_it_shows(due, township_dispatcher):
    client = client_for(township_dispatcher)

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/staff/revisits/").status_code == 200
        return len(queries)

    due(DemandStatus.RESOLVED)
    client.get("/staff/revisits/")
    few = queries_for_the_list()
    # More tasks, in each of the list's branches: callable, anonymous, reached.
    for _ in range(3):
        due(DemandStatus.RESOLVED)
    due(DemandStatus.RESOLVED, contact_name="", contact_phone="")
    services.revisit_reach(task_id=reply_task(due(DemandStatus.RESOLVED)).pk, actor=township_dispatcher,
                           said="已清运", view=Rating.SATISFIED)

    assert queries_for_the_list() == few < 15


def test_the_flags_are_refreshed_in_one_statement_that_writes_only_what_changed(due):
    demands = [due(DemandStatus.RESOLVED) for _ in range(3)]
    ids = [d.pk for d in demands]
    Demand.objects.filter(pk__in=ids).update(callback_due=False)

    with CaptureQueriesContext(connection) as queries:
        changed = services.refresh_callback_flags(ids)

    assert changed == 3 and len(queries) == 1
    assert all(flags(d) == (True, False, False, False) for d in demands)
    assert services.refresh_callback_flags(ids) == 0  # nothing to change: no row written, no ledger move


def test_the_receiver_reads_nothing_for_a_demand_event_that_changes_no_call_back(due, committed, staff):
    from revisits.receivers import on_event

    demand = due(DemandStatus.VERIFIED)
    event = demand.events.latest("id")
    for action in (DemandAction.ESCALATE, DemandAction.URGE, DemandAction.NOTE, DemandAction.EXPIRE_RATING):
        with CaptureQueriesContext(connection) as queries:
            on_event(sender=Demand, event_id=event.pk, action=action)
        assert len(queries) == 0, action
    # Closing unrated indeed changes no flag: the rating stays empty and the round the same.
    before = flags(demand)
    committed(demand_services.demand_expire_rating, demand_id=demand.pk)
    assert flags(demand) == before == (True, False, False, False)


# ---------------------------------------------------------------- the demo


def test_the_demo_calls_back_its_history_believably(walk, township_dispatcher, time_machine):
    demands = [walk(DemandStatus.CLOSED) for _ in range(12)] + [walk(DemandStatus.CLOSED, contact_phone="")]
    time_machine.move_to(demands[0].created_at + dt.timedelta(days=3), tick=False)

    from revisits import demo

    demo.seed_demo(seed=7)

    tasks = list(RevisitTask.objects.order_by("pk"))
    assert len(tasks) == 13 and all(t.status != Status.OPEN or t.attempts for t in tasks)
    for task in tasks:
        actions = list(task.events.values_list("action", flat=True))
        assert actions[0] == Action.CREATE and len(actions) == 1 + task.attempts + (
            task.status == Status.UNCALLABLE)
        if task.status == Status.REACHED:
            assert task.said and task.view and task.closed_at <= timezone.now()
    assert RevisitTask.objects.get(demand=demands[-1]).status == Status.UNCALLABLE
    assert RevisitTask.objects.filter(status=Status.REACHED).count() >= 6
