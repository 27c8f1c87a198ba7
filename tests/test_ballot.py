"""The livelihood-project secret ballot: one ballot per deputy, nothing links a deputy to a choice, the tally and
its tie rule, and results hidden until the voting window closes. What the database administrator can see is
tested on PostgreSQL in test_ballot_secrecy.py."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db.models import ForeignKey
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import Role
from deputies.models import Deputy, DutyRecord
from livelihood import selectors, services
from livelihood.models import Candidate, Proposal, Round, SealedBallot, VoterRecord
from livelihood.states import RoundStatus
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed

from .conftest import PASSWORD
from .factories import DeputyFactory, UserFactory

DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
ALREADY = "You have already voted in this round; a deputy casts one ballot."
AT_MOST = "Choose at most %(k)s projects; you chose %(n)s."


def zh(msgid, **values):
    """The message as the portal shows it (Simplified Chinese once the translations are merged)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % values if values else text


def set_phase(round_, phase):
    now = timezone.now()
    past = {"proposals_open_at": now - 3 * DAY, "proposals_close_at": now - 2 * DAY}
    dates = {
        "collecting": {"proposals_open_at": now - DAY, "proposals_close_at": now + DAY,
                       "voting_opens_at": now + 2 * DAY, "voting_closes_at": now + 3 * DAY},
        "screening": {**past, "voting_opens_at": now + DAY, "voting_closes_at": now + 2 * DAY},
        "voting": {**past, "voting_opens_at": now - HOUR, "voting_closes_at": now + HOUR},
        "closed": {**past, "voting_opens_at": now - 2 * HOUR, "voting_closes_at": now - HOUR},
    }[phase]
    Round.objects.filter(pk=round_.pk).update(**dates)
    round_.refresh_from_db()
    return round_


def open_round(supervisor, *, year=2027, seats=2):
    now = timezone.now()
    return services.round_open(actor=supervisor, year=year, title=f"{year}年巴州区民生实事项目票决", seats=seats,
                               proposals_open_at=now - DAY, proposals_close_at=now + DAY,
                               voting_opens_at=now + 2 * DAY, voting_closes_at=now + 3 * DAY)


TITLES = ["城区老旧小区改造提升", "农村客运公交化改造", "中心城区停车泊位建设", "城乡供水一体化"]


def ballot_round(world, supervisor, *, year=2027, seats=2, resident_proposals=(0, 0, 0, 0)):
    """A round in its voting window with four fixed candidates, named A-D by title order; returns (round, {A..D})."""
    round_ = open_round(supervisor, year=year, seats=seats)
    backing = []
    for i, n in enumerate(resident_proposals):
        backing.append([services.proposal_submit(round_id=round_.pk, actor=None, title=f"建议{i}-{k}",
                                                 content="请求尽快实施。", township=world.township).pk
                        for k in range(n)])
    set_phase(round_, "screening")
    for title, proposal_ids in zip(TITLES, backing):
        services.candidate_create(round_id=round_.pk, actor=supervisor, title=title, description="项目说明",
                                  budget="1200", department=world.department, proposal_ids=proposal_ids)
    services.round_screen(round_id=round_.pk, actor=supervisor, rng=random.Random(7))
    set_phase(round_, "voting")
    by_title = {c.title: c for c in Candidate.objects.filter(round=round_)}
    return round_, dict(zip("ABCD", (by_title[t] for t in TITLES)))


def make_voters(world, n):
    users = []
    for i in range(n):
        deputy = DeputyFactory(township=world.township, level=Deputy.Level.COUNTY, name=f"区代表{i}")
        users.append(UserFactory(username=f"voter{i}", role=Role.DEPUTY, deputy=deputy))
    return users


@pytest.fixture
def voting(world, staff):
    return ballot_round(world, staff.supervisor)


def cast(round_, user, *candidates):
    services.ballot_cast(round_id=round_.pk, actor=user, candidate_ids=[c.pk for c in candidates])


def votes(round_):
    return {c.title: c.votes for c in Candidate.objects.filter(round=round_)}


def close_and_count(round_):
    """The voting window closes and the sealed ballots are counted, as the beat task or the first reader does."""
    set_phase(round_, "closed")
    return services.round_tally(round_id=round_.pk)


# ---------------------------------------------------------------- secrecy


def test_no_table_of_the_app_has_both_a_voter_and_a_candidate_column():
    from accounts.models import User

    models = list(apps.get_app_config("livelihood").get_models(include_auto_created=True)) + [DutyRecord]
    for model in models:
        targets = {f.related_model for f in model._meta.concrete_fields if isinstance(f, ForeignKey)}
        names = {f.column for f in model._meta.concrete_fields}
        has_person = bool(targets & {Deputy, User}) or any("voter" in n or "deputy" in n for n in names)
        has_candidate = Candidate in targets or any("candidate" in n for n in names)
        assert not (has_person and has_candidate), model


def test_voter_record_holds_only_round_and_deputy_and_no_time():
    assert {f.name for f in VoterRecord._meta.concrete_fields} == {"id", "round", "deputy"}


def test_a_sealed_ballot_holds_only_a_random_id_its_round_and_the_sealed_value():
    assert {f.name for f in SealedBallot._meta.concrete_fields} == {"id", "round", "seal"}


def test_ballots_write_a_voter_record_a_sealed_ballot_and_a_duty_record_each_and_no_other_row(world, staff, voting):
    round_, c = voting
    voters = make_voters(world, 3)
    tables = list(apps.get_app_config("livelihood").get_models(include_auto_created=True))
    before = {m: m.objects.count() for m in tables}
    before_duty = DutyRecord.objects.count()
    cast(round_, voters[0], c["A"], c["B"])
    cast(round_, voters[1], c["C"])
    cast(round_, voters[2])
    after = {m: m.objects.count() for m in tables}
    assert {m: after[m] - before[m] for m in tables if after[m] != before[m]} == {VoterRecord: 3, SealedBallot: 3}
    assert DutyRecord.objects.count() - before_duty == 3


def test_every_row_after_ballots_links_no_deputy_to_a_choice(world, staff, voting):
    round_, c = voting
    voters = make_voters(world, 3)
    cast(round_, voters[0], c["A"], c["B"])
    cast(round_, voters[1], c["B"])
    cast(round_, voters[2], c["D"])
    voter_rows = list(VoterRecord.objects.filter(round=round_).values())
    assert all(set(row) == {"id", "round_id", "deputy_id"} for row in voter_rows)
    deputy_ids = {v.deputy_id for v in voters}
    for row in Candidate.objects.filter(round=round_).values():
        assert set(row) == {"id", "round_id", "number", "title", "description", "budget", "department_id", "votes"}
    round_row = Round.objects.filter(pk=round_.pk).values().get()
    assert not deputy_ids & {v for k, v in round_row.items() if k.endswith("_id")}
    # Nothing readable is counted while the vote is open.
    assert set(votes(round_).values()) == {0} and (round_row["ballots_cast"], round_row["blank_ballots"]) == (0, 0)
    sealed = list(SealedBallot.objects.filter(round=round_).values_list("seal", flat=True))
    assert len(sealed) == 3 and len({len(value) for value in sealed}) == 1  # two choices, one, none: one length
    candidate_words = [x.title for x in c.values()]
    for record in DutyRecord.objects.filter(source="ballot"):
        assert record.title == zh("Took part in the %(year)s livelihood-project ballot", year=2027)
        assert record.detail == zh("Secret ballot: what was chosen is not recorded.")
        assert not any(word in record.title + record.detail for word in candidate_words)
        assert record.kind == DutyRecord.Kind.MEETING and record.source_id == round_.pk


def test_casting_a_ballot_moves_no_counter_and_names_no_chosen_candidate_in_any_statement(world, staff, voting):
    # A statement log would otherwise tie the voter's INSERT to the ids chosen in the same session.
    round_, c = voting
    voter = make_voters(world, 1)[0]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        cast(round_, voter, c["B"], c["D"])
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in statements if sql.startswith("UPDATE")]
    # The one read of the candidates is all of the round's, the same statement for every ballot.
    (on_candidates,) = [sql for sql in statements if "livelihood_candidate" in sql]
    assert on_candidates.startswith('SELECT "livelihood_candidate"."id"') and " IN (" not in on_candidates
    assert on_candidates.endswith(f'WHERE "livelihood_candidate"."round_id" = {round_.pk}')


def test_the_count_after_the_close_opens_every_sealed_ballot_once_and_empties_the_box(world, staff, voting):
    round_, c = voting
    v = make_voters(world, 3)
    cast(round_, v[0], c["A"], c["B"])
    cast(round_, v[1], c["B"])
    cast(round_, v[2])
    with pytest.raises(TransitionNotAllowed):  # not while the vote is open
        services.round_tally(round_id=round_.pk)
    counted = close_and_count(round_)
    assert (counted.ballots_cast, counted.blank_ballots) == (3, 1) and counted.tallied_at is not None
    assert votes(round_) == {TITLES[0]: 1, TITLES[1]: 2, TITLES[2]: 0, TITLES[3]: 0}
    assert not SealedBallot.objects.exists()
    services.round_tally(round_id=round_.pk)  # a second run changes nothing
    assert Round.objects.get(pk=round_.pk).ballots_cast == 3 and votes(round_)[TITLES[1]] == 2


def test_a_sealed_ballot_altered_in_the_database_stops_the_count(world, staff, voting):
    round_, c = voting
    v = make_voters(world, 2)
    cast(round_, v[0], c["A"])
    cast(round_, v[1], c["C"])
    first, second = SealedBallot.objects.all()[:2]
    SealedBallot.objects.filter(pk=first.pk).update(seal=bytes(second.seal)[:-1] + b"\x00")
    set_phase(round_, "closed")
    with pytest.raises(TransitionNotAllowed):
        services.round_tally(round_id=round_.pk)
    assert Round.objects.get(pk=round_.pk).tallied_at is None and set(votes(round_).values()) == {0}


def test_a_sealed_ballot_copied_into_the_box_stops_the_count(world, staff, voting):
    round_, c = voting
    cast(round_, make_voters(world, 1)[0], c["A"])
    SealedBallot.objects.create(round=round_, seal=bytes(SealedBallot.objects.get().seal))
    set_phase(round_, "closed")
    with pytest.raises(TransitionNotAllowed):
        services.round_tally(round_id=round_.pk)
    assert set(votes(round_).values()) == {0}


# ---------------------------------------------------------------- one ballot, within the rules


def test_a_deputy_ballot_counts_once_and_a_second_is_refused_with_409(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"], c["B"])
    with pytest.raises(TransitionNotAllowed) as error:
        cast(round_, staff.deputy, c["C"])
    assert str(error.value.message) == zh(ALREADY)
    assert VoterRecord.objects.filter(round=round_).count() == 1 and SealedBallot.objects.count() == 1
    assert close_and_count(round_).ballots_cast == 1
    assert votes(round_) == {TITLES[0]: 1, TITLES[1]: 1, TITLES[2]: 0, TITLES[3]: 0}


def test_more_choices_than_seats_are_refused_and_change_nothing(world, staff, voting):
    round_, c = voting
    with pytest.raises(InvalidInput) as error:
        cast(round_, staff.deputy, c["A"], c["B"], c["C"])
    assert str(error.value.field_errors["candidates"][0]) == zh(AT_MOST, k=2, n=3)
    round_.refresh_from_db()
    assert round_.ballots_cast == 0 and set(votes(round_).values()) == {0}
    assert not VoterRecord.objects.exists() and not DutyRecord.objects.filter(source="ballot").exists()
    assert not SealedBallot.objects.exists()


def test_a_candidate_of_another_round_is_refused(world, staff, voting):
    round_, c = voting
    other_round, other = ballot_round(world, staff.supervisor, year=2028)
    with pytest.raises(InvalidInput):
        cast(round_, staff.deputy, other["A"])
    assert not VoterRecord.objects.exists()


def test_the_same_candidate_twice_is_refused(world, staff, voting):
    round_, c = voting
    with pytest.raises(InvalidInput):
        cast(round_, staff.deputy, c["A"], c["A"])


def test_an_empty_ballot_counts_as_cast_and_blank(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy)
    round_ = close_and_count(round_)
    assert (round_.ballots_cast, round_.blank_ballots) == (1, 1)
    assert VoterRecord.objects.filter(round=round_, deputy=staff.deputy.deputy).exists()


@pytest.mark.parametrize("phase", ["collecting", "screening", "closed"])
def test_ballots_outside_the_voting_window_are_refused_with_409(world, staff, voting, phase):
    round_, c = voting
    set_phase(round_, phase)
    with pytest.raises(TransitionNotAllowed):
        cast(round_, staff.deputy, c["A"])
    assert not VoterRecord.objects.exists()


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "handler", "resident"])
def test_only_eligible_deputies_may_vote(world, staff, voting, who):
    round_, c = voting
    with pytest.raises(NotPermitted):
        cast(round_, getattr(staff, who), c["A"])


def test_a_township_level_deputy_is_not_eligible(world, staff, voting):
    round_, c = voting
    deputy = DeputyFactory(township=world.township, level=Deputy.Level.TOWNSHIP)
    user = UserFactory(username="township_deputy", role=Role.DEPUTY, deputy=deputy)
    with pytest.raises(NotPermitted):
        cast(round_, user, c["A"])


def test_fixing_candidates_needs_more_candidates_than_seats(world, staff):
    round_ = open_round(staff.supervisor, seats=2)
    set_phase(round_, "screening")
    for title in TITLES[:2]:
        services.candidate_create(round_id=round_.pk, actor=staff.supervisor, title=title, description="说明",
                                  budget=100, department=world.department)
    with pytest.raises(InvalidInput) as error:
        services.round_screen(round_id=round_.pk, actor=staff.supervisor)
    assert str(error.value.message) == zh(
        "There must be more candidates than seats: %(n)s candidates for %(k)s seats.", n=2, k=2)
    round_.refresh_from_db()
    assert round_.screened_at is None


# ---------------------------------------------------------------- the tally and its tie rule


def test_tie_at_the_last_seat_goes_to_the_candidate_with_more_resident_proposals(world, staff):
    round_, c = ballot_round(world, staff.supervisor, seats=2, resident_proposals=(0, 1, 2, 0))
    v = make_voters(world, 4)
    cast(round_, v[0], c["A"], c["B"])
    cast(round_, v[1], c["A"], c["C"])
    cast(round_, v[2], c["A"], c["D"])
    cast(round_, v[3], c["B"], c["C"])
    set_phase(round_, "closed")
    results = selectors.round_results(round_=round_)
    table = [(cand.title, cand.votes, elected) for _rank, cand, elected in results.rows]
    assert table == [(TITLES[0], 3, True), (TITLES[2], 2, True), (TITLES[1], 2, False), (TITLES[3], 1, False)]
    assert results.tie_broken and results.ballots_cast == 4


def test_tie_with_equal_backing_goes_to_the_lower_candidate_number(world, staff):
    round_, c = ballot_round(world, staff.supervisor, seats=2, resident_proposals=(0, 1, 1, 0))
    v = make_voters(world, 4)
    cast(round_, v[0], c["A"], c["B"])
    cast(round_, v[1], c["A"], c["C"])
    cast(round_, v[2], c["A"])
    cast(round_, v[3], c["B"], c["C"])
    set_phase(round_, "closed")
    rows = selectors.round_results(round_=round_).rows
    lower = min(c["B"], c["C"], key=lambda x: x.number)
    assert [cand.pk for _r, cand, elected in rows if elected] == [c["A"].pk, lower.pk]


def test_rank_rule_orders_by_votes_then_resident_proposals_then_number():
    def cand(name, votes, backing, number):
        return SimpleNamespace(name=name, votes=votes, resident_proposals=backing, number=number)

    rows = selectors.rank_candidates([cand("x", 5, 0, 4), cand("y", 5, 3, 9), cand("z", 5, 3, 2), cand("w", 0, 9, 1)],
                                     seats=3)
    assert [(r, c.name, e) for r, c, e in rows] == [(1, "z", True), (2, "y", True), (3, "x", True), (4, "w", False)]


def test_a_candidate_without_votes_is_not_elected(world, staff, voting):
    round_, c = voting
    cast(round_, make_voters(world, 1)[0], c["A"])
    set_phase(round_, "closed")
    assert [cand.pk for _r, cand, elected in selectors.round_results(round_=round_).rows if elected] == [c["A"].pk]


# ---------------------------------------------------------------- results stay hidden until the window closes


def test_results_are_hidden_in_page_and_api_while_voting(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"])
    client = Client()
    page = client.get(reverse("livelihood:results", args=[round_.year]))
    assert page.status_code == 404
    assert escape(zh("The results are published after the voting closes.")) in page.content.decode()
    api = client.get(f"/api/v1/ballot/rounds/{round_.year}/results/")
    assert api.status_code == 409 and api.json()["code"] == "conflict"
    public = client.get(reverse("livelihood:round", args=[round_.year])).content.decode()
    assert "ballot-results" not in public and TITLES[0] in public
    detail = client.get(f"/api/v1/ballot/rounds/{round_.year}/").json()
    assert detail["status"] == RoundStatus.VOTING and all("votes" not in x for x in detail["candidates"])


def test_results_are_public_in_page_and_api_after_the_window_closes(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"], c["C"])
    set_phase(round_, "closed")
    client = Client()
    page = client.get(reverse("livelihood:results", args=[round_.year]))
    assert page.status_code == 200
    with translation.override("zh-hans"):
        tie_rule = str(selectors.TIE_RULE)
    assert escape(tie_rule) in page.content.decode()  # the tie rule is shown
    body = client.get(f"/api/v1/ballot/rounds/{round_.year}/results/").json()
    assert body["ballots_cast"] == 1
    assert {row["title"]: row["votes"] for row in body["candidates"]} == {TITLES[0]: 1, TITLES[1]: 0, TITLES[2]: 1,
                                                                         TITLES[3]: 0}


# ---------------------------------------------------------------- voting page and API


def test_deputy_votes_on_the_page_and_then_sees_only_that_they_voted(world, staff, voting):
    round_, c = voting
    client = Client()
    client.login(username="deputy", password=PASSWORD)
    url = reverse("livelihood:vote", args=[round_.year])
    assert client.get(url).status_code == 200
    response = client.post(url, {"candidates": [c["B"].pk, c["D"].pk]})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert escape(zh("You have voted in this round. Your ballot is secret: what you chose is not stored with your name "
                     "anywhere, so it cannot be shown here.")) in page
    assert TITLES[1] not in page and TITLES[3] not in page
    assert client.post(url, {"candidates": [c["A"].pk]}).status_code == 409
    assert VoterRecord.objects.filter(round=round_).count() == 1
    assert votes(close_and_count(round_)) == {TITLES[0]: 0, TITLES[1]: 1, TITLES[2]: 0, TITLES[3]: 1}


def test_voting_page_refuses_too_many_choices_with_a_message(world, staff, voting):
    round_, c = voting
    client = Client()
    client.login(username="deputy", password=PASSWORD)
    response = client.post(reverse("livelihood:vote", args=[round_.year]),
                           {"candidates": [c["A"].pk, c["B"].pk, c["C"].pk]})
    assert response.status_code == 400 and escape(zh(AT_MOST, k=2, n=3)) in response.content.decode()
    assert not VoterRecord.objects.exists()


def test_voting_page_is_not_found_for_non_deputies(world, staff, voting):
    round_, _c = voting
    client = Client()
    client.login(username="dispatcher", password=PASSWORD)
    assert client.get(reverse("livelihood:vote", args=[round_.year])).status_code == 404


def test_api_ballot_codes(world, staff, voting):
    round_, c = voting
    url = f"/api/v1/ballot/rounds/{round_.year}/ballot/"
    assert Client().post(url, {"candidates": [c["A"].pk]}, content_type="application/json").status_code == 401
    client = Client()
    client.login(username="dispatcher", password=PASSWORD)
    assert client.post(url, {"candidates": [c["A"].pk]}, content_type="application/json").status_code == 403
    client.login(username="deputy", password=PASSWORD)
    too_many = client.post(url, {"candidates": [c["A"].pk, c["B"].pk, c["C"].pk]}, content_type="application/json")
    assert too_many.status_code == 422  # well-formed, but more choices than seats
    first = client.post(url, {"candidates": [c["A"].pk]}, content_type="application/json")
    assert first.status_code == 201 and first.json() == {"voted": True, "year": round_.year}
    second = client.post(url, {"candidates": [c["B"].pk]}, content_type="application/json")
    assert second.status_code == 409 and second.json()["detail"] == zh(ALREADY)
    assert client.post("/api/v1/ballot/rounds/1999/ballot/", {"candidates": []},
                       content_type="application/json").status_code == 404


def test_api_ballot_outside_the_window_is_409(world, staff, voting):
    round_, c = voting
    set_phase(round_, "closed")
    client = Client()
    client.login(username="deputy", password=PASSWORD)
    response = client.post(f"/api/v1/ballot/rounds/{round_.year}/ballot/", {"candidates": [c["A"].pk]},
                           content_type="application/json")
    assert response.status_code == 409


def test_unknown_round_is_404_for_the_service(world, staff):
    with pytest.raises(NotFound):
        services.ballot_cast(round_id=999999, actor=staff.deputy, candidate_ids=[])


def test_admin_shows_counters_read_only_and_hides_votes_while_voting(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"])
    admin = staff.supervisor
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.login(username="supervisor", password=PASSWORD)
    from django.contrib.admin import site

    assert not site.is_registered(SealedBallot)  # nothing in it to read
    for model in apps.get_app_config("livelihood").get_models():
        if model is SealedBallot:
            continue
        url = reverse(f"admin:livelihood_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("admin:livelihood_candidate_change", args=[c["A"].pk])).content.decode()
    assert 'name="votes"' not in page and zh("hidden until voting closes") in page
    record = VoterRecord.objects.get()
    client.post(reverse("admin:livelihood_voterrecord_change", args=[record.pk]), {"deputy": staff.deputy.deputy_id})
    assert client.get(reverse("admin:livelihood_voterrecord_add")).status_code == 403
    round_page = client.get(reverse("admin:livelihood_round_change", args=[round_.pk])).content.decode()
    assert 'name="ballots_cast"' not in round_page


def test_proposal_merged_twice_is_refused(world, staff):
    round_ = open_round(staff.supervisor)
    proposal = services.proposal_submit(round_id=round_.pk, actor=None, title="加装电梯", content="老小区加装电梯",
                                        township=world.township)
    first = services.candidate_create(round_id=round_.pk, actor=staff.supervisor, title="老旧小区改造",
                                      description="说明", budget=100, department=world.department,
                                      proposal_ids=[proposal.pk])
    second = services.candidate_create(round_id=round_.pk, actor=staff.supervisor, title="加装电梯",
                                       description="说明", budget=100, department=world.department)
    with pytest.raises(TransitionNotAllowed):
        services.proposal_merge(proposal_id=proposal.pk, actor=staff.supervisor, candidate_id=second.pk)
    assert list(first.proposals.all()) == [proposal]
    assert Proposal.objects.get(pk=proposal.pk).status == "merged"
