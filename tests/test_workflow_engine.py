"""The shared workflow engine (docs/workflow.md): one order of checks for every lifecycle, immutable history,
and the ballot's steps on the record (never a vote)."""

import pytest
from django.test import Client

from core.errors import NotFound, NotPermitted, TransitionNotAllowed
from demands import services
from demands.models import DemandEvent
from demands.states import Action, Status
from livelihood import services as ballot
from livelihood.models import BallotEvent, VoterRecord
from livelihood.states import RoundAction

from .conftest import PASSWORD
from .test_ballot import ballot_round, make_voters, set_phase


def test_outside_the_scope_a_demand_in_the_wrong_state_is_missing_not_a_conflict(walk, staff):
    # A handler of another department learns nothing about the state of a closed demand: 404, as for no demand.
    closed = walk(Status.CLOSED)
    with pytest.raises(NotFound):
        services.demand_resolve(demand_id=closed.pk, actor=staff.other_handler, outcome="solved", reply="已办结")
    with pytest.raises(NotFound):
        services.demand_accept(demand_id=closed.pk, actor=staff.other_handler)


def test_inside_the_scope_the_state_is_checked_before_the_right(walk, staff):
    closed = walk(Status.CLOSED)
    # The handler's own department may see it: closed, so the answer is the state (409), not the right.
    with pytest.raises(TransitionNotAllowed):
        services.demand_accept(demand_id=closed.pk, actor=staff.handler)
    # A dispatcher may see it but never accepts: the state refuses first as well.
    with pytest.raises(TransitionNotAllowed):
        services.demand_accept(demand_id=closed.pk, actor=staff.dispatcher)


def test_in_the_right_state_without_the_right_is_forbidden(walk, staff):
    dispatched = walk(Status.DISPATCHED)
    with pytest.raises(NotPermitted):
        services.demand_accept(demand_id=dispatched.pk, actor=staff.dispatcher)


def test_guards_come_last_and_refuse_with_their_own_words(walk, staff):
    accepted = walk(Status.ACCEPTED)
    with pytest.raises(TransitionNotAllowed) as refusal:
        services.demand_extend(demand_id=accepted.pk, actor=staff.dispatcher)
    assert "延期" in str(refusal.value.message) or "extension" in str(refusal.value.message)


def test_a_refusal_through_the_api_changes_nothing_and_says_why_in_json(walk, staff):
    closed = walk(Status.CLOSED)
    client = Client()
    client.login(username=staff.other_handler.username, password=PASSWORD)
    events = DemandEvent.objects.filter(demand=closed).count()
    response = client.post(f"/api/v1/demands/{closed.pk}/accept/", {}, content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    client.login(username=staff.handler.username, password=PASSWORD)
    response = client.post(f"/api/v1/demands/{closed.pk}/accept/", {}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert DemandEvent.objects.filter(demand=closed).count() == events


def test_history_rows_cannot_be_changed_or_deleted_even_in_bulk(walk):
    demand = walk(Status.DISPATCHED)
    event = demand.events.first()
    event.note = "改写"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        DemandEvent.objects.filter(demand=demand).update(note="改写")
    with pytest.raises(ValueError):
        DemandEvent.objects.filter(demand=demand).delete()
    assert DemandEvent.objects.filter(demand=demand).exclude(note="改写").count() == demand.events.count()


def test_available_actions_follow_the_same_checks(walk, staff):
    dispatched = walk(Status.DISPATCHED)
    assert Action.ACCEPT in services.available_actions(staff.handler, dispatched)
    assert services.available_actions(staff.other_handler, dispatched) == []
    assert Action.ACCEPT not in services.available_actions(staff.dispatcher, dispatched)


def test_the_ballot_keeps_its_steps_on_record_but_never_a_vote(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    voter = make_voters(world, 1)[0]
    ballot.ballot_cast(round_id=round_.pk, actor=voter, candidate_ids=[c["A"].pk])
    assert VoterRecord.objects.filter(round=round_).count() == 1
    set_phase(round_, "closed")
    ballot.round_publish(round_id=round_.pk, actor=staff.supervisor)
    steps = list(BallotEvent.objects.filter(round=round_).values_list("action", flat=True))
    assert steps[0] == RoundAction.OPEN and RoundAction.SCREEN in steps
    assert steps[-2:] == [RoundAction.TALLY, RoundAction.PUBLISH]
    assert RoundAction.VOTE not in steps
    # Nothing in the record names the voter.
    assert not BallotEvent.objects.filter(actor=voter).exists()
    assert not BallotEvent.objects.filter(actor_label__contains=voter.deputy.name).exists()


def test_ballot_refusals_use_the_same_order(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    # Voting is open: screening again is refused for its state, whoever asks.
    with pytest.raises(TransitionNotAllowed):
        ballot.round_screen(round_id=round_.pk, actor=staff.handler)
    set_phase(round_, "closed")
    with pytest.raises(NotPermitted):
        ballot.round_publish(round_id=round_.pk, actor=staff.handler)
    with pytest.raises(NotFound):
        ballot.round_publish(round_id=10**9, actor=staff.supervisor)


def test_a_return_clears_and_a_new_dispatch_restarts_everything_one_dispatch_owns(walk, staff, world):
    demand = walk(Status.ACCEPTED)
    services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=3, reason="需协调")
    services.demand_extend(demand_id=demand.pk, actor=staff.dispatcher)
    services.demand_return(demand_id=demand.pk, actor=staff.handler, reason="不属于本单位")
    demand.refresh_from_db()
    assert (demand.unit_department_id, demand.accepted_by_id, demand.resolve_deadline, demand.extension_used,
            demand.escalation_level) == (None, None, None, False, 0)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
    demand.refresh_from_db()
    assert demand.resolve_deadline is not None and demand.warn_at is not None
    assert (demand.extension_used, demand.accepted_at, demand.escalation_level) == (False, None, 0)
