"""The transition table is the law: every (action, state) pair outside it is refused and changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone
from django.test import Client
from django.urls import reverse

from demands import services
from demands.escalation import demand_escalate
from demands.models import CoHandling, Demand, DemandEvent, Outcome, Rating, Urgency
from core.actors import ResidentActor, SYSTEM
from demands.states import HANDLING_STATES, TRANSITIONS, Action, Status
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ALL_STATES = list(Status.values)


def call(action, demand, staff, world):
    """Invoke `action` on `demand` as the actor who would be entitled to it, with valid input."""
    pk = demand.pk
    member = staff.handler
    today = dt.date.today() + dt.timedelta(days=3)
    calls = {
        Action.CLASSIFY: lambda: services.demand_classify(demand_id=pk, actor=staff.dispatcher, type="help",
                                                          category=world.category, urgency=Urgency.NORMAL, grid=world.grid),
        Action.REJECT: lambda: services.demand_reject(demand_id=pk, actor=staff.dispatcher, reason="重复"),
        Action.MERGE: lambda: services.demand_merge(demand_id=pk, actor=staff.dispatcher, into=_open_other(world)),
        Action.DISPATCH: lambda: services.demand_dispatch(demand_id=pk, actor=staff.dispatcher, unit=world.department),
        Action.ACCEPT: lambda: services.demand_accept(demand_id=pk, actor=member),
        Action.RETURN: lambda: services.demand_return(demand_id=pk, actor=member, reason="非本单位职责"),
        Action.REASSIGN: lambda: services.demand_reassign(demand_id=pk, actor=staff.dispatcher,
                                                          unit=world.other_department),
        Action.REQUEST_EXTENSION: lambda: services.demand_request_extension(demand_id=pk, actor=member, days=3,
                                                                            reason="需协调施工"),
        Action.EXTEND: lambda: services.demand_extend(demand_id=pk, actor=staff.dispatcher),
        Action.DENY_EXTENSION: lambda: services.demand_deny_extension(demand_id=pk, actor=staff.dispatcher, reason="不必"),
        Action.NOTE: lambda: services.demand_note(demand_id=pk, actor=member, text="已联系诉求人"),
        Action.RESOLVE: lambda: services.demand_resolve(demand_id=pk, actor=member, outcome=Outcome.SOLVED, reply="已处理"),
        Action.VERIFY: lambda: services.demand_verify(demand_id=pk, actor=staff.supervisor),
        Action.REOPEN: lambda: services.demand_reopen(demand_id=pk, actor=staff.supervisor, reason="现场仍未整改"),
        Action.RATE: lambda: services.demand_rate(demand_id=pk, actor=ResidentActor(pk), rating=Rating.SATISFIED),
        Action.EXPIRE_RATING: lambda: services.demand_expire_rating(demand_id=pk, actor=SYSTEM),
        Action.ESCALATE: lambda: demand_escalate(demand_id=pk, now=demand.warn_at or demand.updated_at),
        Action.URGE: lambda: services.demand_urge(demand_id=pk, actor=staff.supervisor, note="请加快办理", due_date=today),
        Action.ROUTE: lambda: services.demand_route(demand_id=pk, deputy=world.deputy_record),
        Action.FORWARD: lambda: services.demand_forward(demand_id=pk, actor=staff.deputy, note="个案问题，请派单"),
        Action.SUPPLEMENT: lambda: services.demand_supplement(demand_id=pk, actor=ResidentActor(pk),
                                                              text="补充：晚上七点后气味更重。"),
        Action.CHASE: lambda: services.demand_chase(demand_id=pk, actor=ResidentActor(pk)),
        Action.WITHDRAW: lambda: services.demand_withdraw(demand_id=pk, actor=ResidentActor(pk)),
        Action.ADD_COHANDLER: lambda: services.demand_add_cohandler(demand_id=pk, actor=staff.dispatcher,
                                                                    department=world.other_department),
        Action.COHANDLER_OPINION: lambda: services.demand_cohandler_opinion(
            demand_id=pk, actor=staff.other_handler, text="排水管网由我局负责，已安排疏通。"),
        Action.REMOVE_COHANDLER: lambda: services.demand_remove_cohandler(demand_id=pk, actor=staff.dispatcher,
                                                                          department=world.other_department),
    }
    if action in (Action.COHANDLER_OPINION, Action.REMOVE_COHANDLER):
        _asked_to_co_handle(demand, world)
    return calls[action]()


def _asked_to_co_handle(demand, world):
    """A pending co-handling request, written directly: in most states no dispatcher could add one, and the state
    alone must refuse the opinion or the removal (the department sees the demand through the request)."""
    CoHandling.objects.get_or_create(demand=demand, department=world.other_department,
                                     defaults={"due_at": timezone.now() + dt.timedelta(days=1)})


def _open_other(world):
    return services.demand_receive(actor=None, type="help", content="另一条同类诉求", township=world.township)


def _unit_for(action, world) -> dict:
    # Only the deputy holding a demand can forward it.
    return {"unit": world.deputy_record} if action == Action.FORWARD else {}


UNIT_ACTIONS = {Action.ACCEPT, Action.RETURN, Action.REQUEST_EXTENSION, Action.NOTE, Action.RESOLVE, Action.FORWARD}
FORBIDDEN = [(a, s) for a in TRANSITIONS if a != Action.RECEIVE for s in ALL_STATES if s not in TRANSITIONS[a][0]]
ALLOWED = [(a, s) for a in TRANSITIONS if a != Action.RECEIVE for s in sorted(TRANSITIONS[a][0])]


def test_every_action_of_the_design_has_a_row():
    names = {"receive", "classify", "reject", "merge", "dispatch", "accept", "return", "reassign", "extend", "note",
             "resolve", "verify", "reopen", "rate", "expire_rating", "urge"}
    assert names <= set(TRANSITIONS)


@pytest.mark.parametrize(("action", "state"), FORBIDDEN, ids=[f"{a}-from-{s}" for a, s in FORBIDDEN])
def test_action_outside_the_table_is_refused_and_changes_nothing(action, state, walk, staff, world):
    demand = walk(state, **_unit_for(action, world))
    before = (demand.status, demand.updated_at, demand.unit_department_id, demand.rework_count)
    events = DemandEvent.objects.filter(demand=demand).count()
    with pytest.raises((TransitionNotAllowed, NotFound)) as refusal:
        call(action, demand, staff, world)
    if isinstance(refusal.value, NotFound):
        # Scope is checked before state: a unit that no longer (or not yet) holds the demand cannot see it at all.
        assert action in UNIT_ACTIONS and state not in HANDLING_STATES
    else:
        assert any(words in str(refusal.value.message) for words in ("不能执行", "not possible", "不能再撤回"))
    demand.refresh_from_db()
    assert (demand.status, demand.updated_at, demand.unit_department_id, demand.rework_count) == before
    assert DemandEvent.objects.filter(demand=demand).count() == events


@pytest.mark.parametrize(("action", "state"), ALLOWED, ids=[f"{a}-from-{s}" for a, s in ALLOWED])
def test_action_inside_the_table_moves_to_its_target_and_writes_one_event(action, state, walk, staff, world):
    demand = walk(state, **_unit_for(action, world))
    if action in (Action.EXTEND, Action.DENY_EXTENSION):
        services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=2, reason="需协调")
    if action == Action.CHASE:  # a resident chases only once the deadline has passed
        Demand.objects.filter(pk=demand.pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=1))
    events = DemandEvent.objects.filter(demand=demand).count()
    call(action, demand, staff, world)
    demand.refresh_from_db()
    target = TRANSITIONS[action][1] or state
    assert demand.status == target
    last = DemandEvent.objects.filter(demand=demand).order_by("-id").first()
    assert last.action == action and last.from_status == state and last.to_status == target
    assert DemandEvent.objects.filter(demand=demand).count() == events + 1


def test_refused_action_through_the_page_answers_409_with_a_chinese_message(walk, staff):
    demand = walk(Status.DISPATCHED)
    client = Client()
    client.login(username=staff.handler.username, password=PASSWORD)
    response = client.post(reverse("demands:action", args=[demand.pk, "resolve"]),
                           {"resolve-outcome": "solved", "resolve-reply": "已处理"})
    assert response.status_code == 409
    assert "不能执行" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Status.DISPATCHED


def test_accept_by_someone_outside_the_unit_is_refused(walk, staff):
    demand = walk(Status.DISPATCHED)
    with pytest.raises(NotPermitted):
        services.demand_accept(demand_id=demand.pk, actor=staff.supervisor)
    with pytest.raises(NotFound):
        services.demand_accept(demand_id=demand.pk, actor=staff.other_handler)
    assert Demand.objects.get(pk=demand.pk).status == Status.DISPATCHED


def test_extension_is_granted_once_per_dispatch_and_moves_the_deadline(walk, staff):
    demand = walk(Status.ACCEPTED)
    before = demand.resolve_deadline
    services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=3, reason="需协调施工队")
    services.demand_extend(demand_id=demand.pk, actor=staff.dispatcher)
    demand.refresh_from_db()
    assert demand.resolve_deadline > before and demand.extension_used
    with pytest.raises(TransitionNotAllowed):
        services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=2, reason="还要更久")
    # A reassignment starts a new dispatch, with a new clock and a fresh extension.
    services.demand_reassign(demand_id=demand.pk, actor=staff.dispatcher, unit=staff.other_handler.department)
    demand.refresh_from_db()
    assert not demand.extension_used and demand.accepted_by is None


def test_third_return_sends_the_demand_to_the_district_centre(walk, staff, world):
    demand = walk(Status.DISPATCHED)
    for n in range(3):
        services.demand_return(demand_id=demand.pk, actor=staff.handler, reason=f"第{n + 1}次：非本单位职责")
        demand.refresh_from_db()
        assert demand.status == Status.CLASSIFIED and demand.unit is None
        if n < 2:
            assert not demand.at_district_centre
            services.demand_dispatch(demand_id=demand.pk, actor=staff.township_dispatcher, unit=world.department)
    assert demand.at_district_centre
    with pytest.raises(NotPermitted):
        services.demand_dispatch(demand_id=demand.pk, actor=staff.township_dispatcher, unit=world.department)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)


def test_reopen_is_refused_thirty_days_after_closing(walk, staff, time_machine):
    demand = walk(Status.CLOSED)
    time_machine.move_to(demand.closed_at + dt.timedelta(days=31))
    with pytest.raises(TransitionNotAllowed):
        services.demand_reopen(demand_id=demand.pk, actor=staff.supervisor, reason="复查发现问题")


def test_merge_needs_an_open_target_and_follows_it(walk, staff, world):
    closed = walk(Status.CLOSED)
    duplicate = walk(Status.RECEIVED)
    with pytest.raises(InvalidInput):
        services.demand_merge(demand_id=duplicate.pk, actor=staff.dispatcher, into=closed)
    target = walk(Status.CLASSIFIED)
    services.demand_merge(demand_id=duplicate.pk, actor=staff.dispatcher, into=target)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == target


def test_consultation_is_verified_automatically_by_policy(walk, staff):
    demand = walk(Status.RESOLVED, demand_type="consultation")
    assert demand.status == Status.VERIFIED
    verify = demand.events.get(action=Action.VERIFY)
    assert verify.actor_kind == "system" and verify.data == {"policy": True}


def test_urge_creates_a_supervision_order_that_waits_for_the_unit(walk, staff):
    demand = walk(Status.ACCEPTED)
    order = services.demand_urge(demand_id=demand.pk, actor=staff.supervisor, note="群众反映强烈，请三日内办结",
                                 due_date=dt.date.today() + dt.timedelta(days=3))
    assert order.answered_at is None
    services.supervision_order_answer(order_id=order.pk, actor=staff.handler, answer="已增派人手，明日办结")
    order.refresh_from_db()
    assert order.answered_at is not None
    with pytest.raises(TransitionNotAllowed):
        services.supervision_order_answer(order_id=order.pk, actor=staff.handler, answer="再次答复")


def test_events_are_immutable(walk):
    event = walk(Status.RECEIVED).events.get()
    event.note = "篡改"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
