"""Concurrent ballots on PostgreSQL: the unique voter record lets one ballot per deputy through, and the losers
roll back with their sealed ballots; many deputies voting at once lose no count; a count racing the last ballot
counts it."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from deputies.models import DutyRecord
from livelihood import sealing, services
from livelihood.models import Candidate, Round, SealedBallot, VoterRecord
from core.errors import TransitionNotAllowed

from .test_ballot import ballot_round, close_and_count, make_voters
from .test_concurrency import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_the_same_deputy_sending_eight_ballots_at_once_is_counted_once(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    choices = [[c["A"].pk, c["B"].pk], [c["C"].pk], [c["D"].pk, c["A"].pk], [c["B"].pk]] * 2
    calls = iter(choices)

    def vote():
        services.ballot_cast(round_id=round_.pk, actor=staff.deputy, candidate_ids=next(calls))
        return "voted"

    results = run_in_threads(8, vote)
    assert results.count("voted") == 1, results
    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 7, results
    assert VoterRecord.objects.filter(round=round_).count() == 1 and SealedBallot.objects.count() == 1
    round_ = close_and_count(round_)
    assert round_.ballots_cast == 1 and round_.blank_ballots == 0
    assert DutyRecord.objects.filter(source="ballot", source_id=round_.pk).count() == 1
    # Whichever ballot won, only its one or two choices were counted.
    total = sum(Candidate.objects.filter(round=round_).values_list("votes", flat=True))
    assert total in (1, 2)


def test_twelve_deputies_voting_at_once_are_all_counted(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    voters = iter(make_voters(world, 12))

    def vote():
        services.ballot_cast(round_id=round_.pk, actor=next(voters), candidate_ids=[c["A"].pk, c["C"].pk])
        return "voted"

    results = run_in_threads(12, vote)
    assert results.count("voted") == 12, results
    round_ = close_and_count(Round.objects.get(pk=round_.pk))
    assert round_.ballots_cast == 12
    assert {x.title: x.votes for x in Candidate.objects.filter(round=round_)} == {
        c["A"].title: 12, c["B"].title: 0, c["C"].title: 12, c["D"].title: 0}
    assert VoterRecord.objects.filter(round=round_).count() == 12


def test_ballots_leave_every_candidate_row_version_alone_and_the_count_writes_each_once(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    first, second = make_voters(world, 2)

    def versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, xmin::text FROM livelihood_candidate WHERE round_id = %s", [round_.pk])
            return dict(cursor.fetchall())

    before = versions()
    services.ballot_cast(round_id=round_.pk, actor=first, candidate_ids=[c["A"].pk, c["B"].pk])
    services.ballot_cast(round_id=round_.pk, actor=second, candidate_ids=[c["C"].pk])
    assert versions() == before  # no ballot wrote a candidate row
    close_and_count(round_)
    after = versions()
    # One new version per candidate, all from the one transaction of the count, chosen or not.
    assert len(set(after.values())) == 1 and not set(after.values()) & set(before.values())


def test_a_ballot_in_flight_at_the_close_is_counted_by_the_count_that_waits_for_it(world, staff, monkeypatch):
    round_, c = ballot_round(world, staff.supervisor)
    voters = make_voters(world, 3)
    for voter in voters[:2]:
        services.ballot_cast(round_id=round_.pk, actor=voter, candidate_ids=[c["A"].pk])
    close = timezone.now() + dt.timedelta(seconds=2)
    Round.objects.filter(pk=round_.pk).update(voting_closes_at=close)
    seal = sealing.seal

    def until(moment, then=0.0):
        time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + then)

    def slow_seal(**kwargs):
        until(close, then=1.0)  # accepted before the close, this ballot still holds the round when the count starts
        return seal(**kwargs)

    monkeypatch.setattr(sealing, "seal", slow_seal)
    outcome = {}

    def in_thread(name, fn, start=None):
        def run():
            if start is not None:
                until(start, then=0.3)
            try:
                outcome[name] = fn()
            except Exception as error:  # asserted on below
                outcome[name] = error
            finally:
                connections.close_all()
        return threading.Thread(target=run)

    threads = [
        in_thread("ballot", lambda: services.ballot_cast(round_id=round_.pk, actor=voters[2],
                                                         candidate_ids=[c["B"].pk])),
        in_thread("count", lambda: services.round_tally(round_id=round_.pk), start=close),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome["ballot"] is None, outcome
    assert isinstance(outcome["count"], Round) and outcome["count"].ballots_cast == 3, outcome
    assert {x.title: x.votes for x in Candidate.objects.filter(round=round_)} == {
        c["A"].title: 2, c["B"].title: 1, c["C"].title: 0, c["D"].title: 0}
    assert not SealedBallot.objects.filter(round=round_).exists()
