"""Concurrent ballots on PostgreSQL: the unique voter record lets one ballot per deputy through, and the losers
roll back with their counters; many deputies voting at once lose no count."""

import pytest
from django.db import connection

from deputies.models import DutyRecord
from livelihood import services
from livelihood.models import Candidate, Round, VoterRecord
from portal.errors import TransitionNotAllowed

from .test_ballot import ballot_round, make_voters
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
    round_.refresh_from_db()
    assert round_.ballots_cast == 1 and round_.blank_ballots == 0
    assert VoterRecord.objects.filter(round=round_).count() == 1
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
    round_ = Round.objects.get(pk=round_.pk)
    assert round_.ballots_cast == 12
    assert {x.title: x.votes for x in Candidate.objects.filter(round=round_)} == {
        c["A"].title: 12, c["B"].title: 0, c["C"].title: 12, c["D"].title: 0}
    assert VoterRecord.objects.filter(round=round_).count() == 12


def test_after_a_ballot_every_candidate_row_carries_the_same_row_version(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    first, second = make_voters(world, 2)
    services.ballot_cast(round_id=round_.pk, actor=first, candidate_ids=[c["A"].pk, c["B"].pk])
    services.ballot_cast(round_id=round_.pk, actor=second, candidate_ids=[c["C"].pk])
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT xmin::text FROM livelihood_candidate WHERE round_id = %s", [round_.pk])
        versions = cursor.fetchall()
    # One version for all four rows: the last transaction touched chosen and unchosen candidates alike.
    assert len(versions) == 1
