"""Ballot secrecy against the database administrator (docs/ballot-secrecy.md).

On PostgreSQL, six deputies vote differently; then an attacker with every tuple version of every table the ballot
touched (pageinspect, live and dead rows, xmin, xmax, ctid) and every statement each database session issued
tries to say who chose what. Elsewhere: no tally is readable or filterable while the vote is open, the terms of
a round are frozen once voting opens, a closed round never reopens, and the duty record keeps the day only.
"""

import datetime as dt
import re
import struct
import sys
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deputies.models import DutyRecord
from livelihood import sealing, services
from livelihood.models import Candidate, Round, SealedBallot, VoterRecord
from livelihood.states import RoundStatus
from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed

from .conftest import PASSWORD
from .test_ballot import DAY, TITLES, ballot_round, cast, make_voters, open_round, set_phase, votes, zh


@pytest.fixture
def voting(world, staff):
    return ballot_round(world, staff.supervisor)


def postgres_only(test):
    for mark in (pytest.mark.postgres, pytest.mark.django_db(transaction=True),
                 pytest.mark.skipif(connection.vendor != "postgresql", reason="pageinspect and xmin are PostgreSQL's")):
        test = mark(test)
    return test


# ---------------------------------------------------------------- one database session per request, recorded


@dataclass
class Session:
    """Every statement one PostgreSQL session (one thread's connection) issued with its values and transaction id,
    as `log_statement = 'all'` with `log_line_prefix = '%p %x'` would show."""

    statements: list = field(default_factory=list)  # (sql, params, top-level xid or None)
    result: object = None

    def writes(self) -> list[str]:
        return [sql for sql, _p, _x in self.statements if sql.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]

    def xids(self) -> set[int]:
        return {xid for _s, _p, xid in self.statements if xid}


def in_session(fn) -> Session:
    session, failure = Session(), []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        with context["connection"].connection.cursor() as raw:  # not recorded: what %x would print
            raw.execute("SELECT pg_current_xact_id_if_assigned()::text")
            xid = raw.fetchone()[0]
        session.statements.append((sql, params, int(xid) % 2**32 if xid else None))
        return result

    def run():
        try:
            with connection.execute_wrapper(record):
                session.result = fn()
        except Exception as error:  # raised again in the test's thread
            failure.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]
    return session


TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE) "(\w+)"')
SAVEPOINT = re.compile(r'"s\d+_x\d+"')  # savepoint names carry the thread's id


def _sql(sql: str) -> str:
    return SAVEPOINT.sub('"savepoint"', sql)


def _flat(params):
    for value in params or ():
        yield from (_flat(value) if isinstance(value, (list, tuple)) else [value])


def _plain(value):
    return bytes(value.obj) if hasattr(value, "obj") else bytes(value) if isinstance(value, memoryview) else value


def assert_alike(first: Session, first_me: set, other: Session, other_me: set) -> None:
    """Two voters' sessions issue the same statements with the same values, except who is voting and the sealed
    value (of one length): whatever they chose, a statement log cannot tell their sessions apart."""
    assert [_sql(sql) for sql, _p, _x in first.statements] == [_sql(sql) for sql, _p, _x in other.statements]
    for (sql, a_params, _x), (_same, b_params, _y) in zip(first.statements, other.statements):
        for a, b in zip(_flat(a_params), _flat(b_params)):
            a, b = _plain(a), _plain(b)
            if a == b or (isinstance(a, uuid.UUID) and isinstance(b, uuid.UUID)):
                continue
            if isinstance(a, bytes) and isinstance(b, bytes):
                assert len(a) == len(b), sql
            elif isinstance(a, dt.datetime) and sql.startswith("SELECT"):
                continue  # "now" in a read (the session's expiry check), never written
            else:
                assert a in first_me and b in other_me, (sql, a, b)


# ---------------------------------------------------------------- every tuple version, decoded


@dataclass(frozen=True)
class Version:
    table: str
    xmin: int
    xmax: int
    ctid: tuple
    attrs: dict  # column -> (type, raw bytes or None)

    def int(self, column) -> int:
        return int.from_bytes(self.attrs[column][1], sys.byteorder, signed=True)


def tuple_versions(cursor, table) -> list[Version]:
    """Live and dead tuples of a table, from its raw pages (pageinspect), whatever MVCC would show."""
    cursor.execute("SELECT attname, atttypid::regtype::text FROM pg_attribute WHERE attrelid = %s::regclass "
                   "AND attnum > 0 ORDER BY attnum", [table])
    columns = cursor.fetchall()
    cursor.execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [table])
    versions = []
    for page in range(cursor.fetchone()[0]):
        cursor.execute("SELECT lp, t_xmin::text, t_xmax::text, t_attrs FROM heap_page_item_attrs("
                       "get_raw_page(%s, %s), %s::regclass) WHERE t_attrs IS NOT NULL", [table, page, table])
        for lp, xmin, xmax, attrs in cursor.fetchall():
            values = {name: (kind, None if raw is None else bytes(raw)) for (name, kind), raw in zip(columns, attrs)}
            versions.append(Version(table, int(xmin), int(xmax), (page, lp), values))
    return versions


def _varlena(raw: bytes) -> bytes:
    if raw[0] & 0x01:  # one-byte header (little-endian layout)
        return raw[1:raw[0] >> 1]
    return raw[4:int.from_bytes(raw[:4], "little") >> 2]


def plaintext_choices(version: Version, candidates: dict) -> frozenset:
    """Candidates a row names in clear: an id in a binary value (4 or 8 bytes, either order) or a title in text."""
    found = set()
    for kind, raw in version.attrs.values():
        if raw is None or kind not in ("bytea", "text", "character varying"):
            continue
        data = _varlena(raw)
        for pk, title in candidates.items():
            encodings = [struct.pack(f"{order}{size}", pk) for order in "<>" for size in "iq"]
            if (kind == "bytea" and any(e in data for e in encodings)) or title.encode() in data:
                found.add(pk)
    return frozenset(found)


def counter_moves(versions: list[Version], column: str) -> dict[int, dict[int, int]]:
    """{xid: {row id: change}}: what each transaction did to a counter, from each row version and the one before."""
    moves = {}
    by_row = {}
    for v in versions:
        by_row.setdefault(v.int("id"), []).append(v)
    for row_id, chain in by_row.items():
        for new in chain:
            for old in chain:
                if old.xmax == new.xmin and old is not new:
                    moves.setdefault(new.xmin, {})[row_id] = new.int(column) - old.int(column)
    return moves


# ---------------------------------------------------------------- the attack


# Six deputies, six different ballots over four candidates with three seats; one is blank, none chose all four.
BALLOTS = [("A", "B"), ("C",), ("B", "C", "D"), (), ("A", "D"), ("D",)]


@postgres_only
def test_with_every_row_version_and_every_statement_no_deputy_can_be_linked_to_a_choice(world, staff):
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    except DatabaseError as error:
        pytest.skip(f"pageinspect needs a superuser connection: {error}")
    round_, c = ballot_round(world, staff.supervisor, seats=3)
    warm_up, *voters = make_voters(world, 7)
    truth = {v.deputy_id: frozenset(c[x].pk for x in ballot) for v, ballot in zip(voters, BALLOTS)}
    clients = {}
    for user in (warm_up, *voters):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    page, api = reverse("livelihood:vote", args=[round_.year]), f"/api/v1/ballot/rounds/{round_.year}/ballot/"

    def by_page(user, ids):
        return clients[user.pk].post(page, {"candidates": ids})

    def by_api(user, ids):
        return clients[user.pk].post(api, {"candidates": ids}, content_type="application/json")

    # Process caches warm up on a ballot the rules refuse, so that the recorded sessions below start alike.
    everything = [x.pk for x in c.values()]
    refused = [in_session(lambda: by_page(warm_up, everything)), in_session(lambda: by_api(warm_up, everything))]
    # The page answers 400; the API 422, as for any well-formed ballot the rules refuse (docs/workflow.md#errors).
    assert [session.result.status_code for session in refused] == [400, 422]

    # Each deputy votes from their own session, one after the other (adjacent transaction ids: the worst case).
    sessions = []
    for i, (voter, ballot) in enumerate(zip(voters, BALLOTS)):
        send = by_page if i < 3 else by_api
        session = in_session(lambda: send(voter, [c[x].pk for x in ballot]))
        assert session.result.status_code in (201, 302), session.result.content
        sessions.append(session)
    set_phase(round_, "closed")
    count = in_session(lambda: Client().get(f"/api/v1/ballot/rounds/{round_.year}/results/"))  # first reader counts

    # The count is exact.
    results = count.result.json()
    expected = Counter(pk for ballot in truth.values() for pk in ballot)
    assert {row["id"]: row["votes"] for row in results["candidates"]} == {x.pk: expected[x.pk] for x in c.values()}
    assert (results["ballots_cast"], results["blank_ballots"]) == (6, 1)

    # The statement log: no session that wrote a voter record wrote a counter or named a choice.
    for session in sessions:
        writes = session.writes()
        assert sum(sql.startswith('INSERT INTO "livelihood_voterrecord"') for sql in writes) == 1
        assert not [sql for sql in writes
                    if '"livelihood_candidate"' in sql or sql.startswith('UPDATE "livelihood_round"')]
    me = [{v.pk, v.deputy_id, v.username, v.deputy.code, v.deputy.name,
           clients[v.pk].cookies[settings.SESSION_COOKIE_NAME].value} for v in voters]
    for first, others in ((0, (1, 2)), (3, (4, 5))):  # three by the page, three by the API
        for other in others:
            assert_alike(sessions[first], me[first], sessions[other], me[other])
    assert not [sql for sql in count.writes() if '"livelihood_voterrecord"' in sql]

    # Every tuple version of every table any of those sessions named.
    named = {table for s in (*sessions, count) for sql, _p, _x in s.statements for table in TABLE.findall(sql)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)", [sorted(named)])
        tables = {name for (name,) in cursor.fetchall()}
        assert {"livelihood_voterrecord", "livelihood_sealedballot", "livelihood_candidate", "livelihood_round",
                "deputies_dutyrecord"} <= tables
        versions = {table: tuple_versions(cursor, table) for table in sorted(tables)}

    # The log gives each voter's transaction: the xid of the session's voter INSERT, up to the next transaction
    # any logged session began (its subtransactions, for savepoints, take the ids in between).
    tops = sorted(set().union(*(x.xids() for x in (*refused, *sessions, count))))
    mine = {}
    for voter, session in zip(voters, sessions):
        (top,) = {xid for sql, _p, xid in session.statements if sql.startswith('INSERT INTO "livelihood_voterrecord"')}
        mine[voter.deputy_id] = range(top, min(x for x in tops if x > top))
    voter_rows = [v for v in versions["livelihood_voterrecord"] if v.int("round_id") == round_.pk]
    assert all(v.xmin in mine[v.int("deputy_id")] for v in voter_rows) and len(voter_rows) == 6
    whose = {xid: deputy for deputy, xids in mine.items() for xid in xids}

    candidates = {x.pk: x.title for x in c.values()}
    moves = counter_moves([v for v in versions["livelihood_candidate"] if v.int("round_id") == round_.pk], "votes")
    # The decoding is right (the last versions carry the published count) and history is there to read.
    live = {v.int("id"): v.int("votes") for v in versions["livelihood_candidate"] if v.xmax == 0}
    assert {pk: live[pk] for pk in candidates} == {pk: expected[pk] for pk in candidates}
    assert len(versions["livelihood_candidate"]) > len(candidates)
    # (Earlier tests that rolled back left dead rows of their own rounds: the round tells them apart.)
    sealed = [v for v in versions["livelihood_sealedballot"] if v.int("round_id") == round_.pk]

    def evidence_at(xids) -> frozenset | None:
        """What rows written by these transaction ids say was chosen: counter moves and names in clear (a
        candidate's own row names itself, so it is read for its counter only)."""
        found = [frozenset(pk for pk, change in moves[x].items() if change > 0) for x in xids if x in moves]
        named_rows = [plaintext_choices(v, candidates) for table, vs in versions.items() for v in vs
                      if v.xmin in xids and table != "livelihood_candidate"]
        found += [n for n in named_rows if n]
        return frozenset().union(*found) if found else None

    # Transactions from the first ballot on (the attacker knows when the vote opened), voters' or not.
    first = min(min(xids) for xids in mine.values())
    writers = [x for x in sorted({v.xmin for vs in versions.values() for v in vs} | set(moves)) if x >= first]
    # 1. The xmin join: what did the voter's own transaction write or replace?
    by_xmin = {deputy: evidence_at(xids) for deputy, xids in mine.items()}
    # 2. Adjacent transaction ids: what did the first transaction after the voter's write?
    by_next = {}
    for deputy, xids in mine.items():
        later = [x for x in writers if x >= xids.stop and x not in whose and evidence_at([x]) is not None]
        by_next[deputy] = evidence_at([later[0]]) if later else None
    # 3. Order: the k-th voter record on the page against the k-th choice-bearing write.
    in_order = [v.int("deputy_id") for v in sorted(voter_rows, key=lambda v: v.ctid)]
    bearing = [evidence_at([x]) for x in writers if evidence_at([x]) is not None]
    by_order = dict(zip(in_order, bearing))
    # 4. The sealed rows, tied to voters by xmin and in voting order: do they name anything in clear?
    by_seal = {whose[v.xmin]: plaintext_choices(v, candidates) or None for v in sealed}

    recovered = {name: sum(guess.get(d) == truth[d] for d in truth)
                 for name, guess in {"xmin": by_xmin, "next xid": by_next, "order": by_order, "seal": by_seal}.items()}
    # A shuffle of six different ballots over six deputies gets one right on average: no attack does better, and
    # the transaction-id joins get none at all.
    assert recovered["xmin"] == 0 and recovered["next xid"] == 0, recovered
    assert all(n <= 1 for n in recovered.values()), recovered
    assert all(guess is None for guess in by_xmin.values()) and all(g is None for g in by_seal.values())
    # The sealed rows are dead now, and each was written by a voter's transaction: that link is expected, and all
    # it leads to is a value of one length, blank or three choices.
    assert len(sealed) == 6 and all(v.xmax for v in sealed) and {whose.get(v.xmin) for v in sealed} == set(truth)
    assert len({len(v.attrs["seal"][1]) for v in sealed}) == 1


# ---------------------------------------------------------------- no tally while the vote is open


def superuser_client(staff) -> Client:
    staff.supervisor.is_staff = staff.supervisor.is_superuser = True
    staff.supervisor.save()
    client = Client()
    assert client.login(username="supervisor", password=PASSWORD)
    return client


@pytest.mark.parametrize("model, query", [
    ("livelihood_candidate", "votes__gte=1"), ("livelihood_candidate", "votes=0"),
    ("livelihood_candidate", "round__ballots_cast__gte=1"), ("livelihood_round", "ballots_cast__gte=1"),
    ("livelihood_round", "blank_ballots__gte=1"), ("livelihood_round", "candidates__votes__gt=0"),
    ("livelihood_project", "candidate__votes__gte=1"), ("livelihood_proposal", "candidates__votes__gte=1"),
    ("core_department", "ballot_candidates__votes__gte=1"),
    ("deputies_deputy", "ballot_voter_records__round__ballots_cast__gte=1"),
])
def test_no_admin_list_filters_on_a_count(world, staff, voting, model, query):
    round_, c = voting
    cast(round_, staff.deputy, c["A"])
    response = superuser_client(staff).get(reverse(f"admin:{model}_changelist") + "?" + query)
    assert response.status_code == 400


def test_admin_lists_show_no_count_while_the_vote_is_open(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"], c["B"])
    client = superuser_client(staff)
    page = client.get(reverse("admin:livelihood_candidate_changelist")).content.decode()
    assert zh("hidden until voting closes") in page
    assert Candidate.objects.filter(round=round_, votes__gt=0).count() == 0  # nothing counted to show
    round_page = client.get(reverse("admin:livelihood_round_change", args=[round_.pk])).content.decode()
    assert 'name="ballots_cast"' not in round_page and 'name="blank_ballots"' not in round_page


# ---------------------------------------------------------------- the terms are frozen once voting opens


def admin_round_form(round_, **changes) -> dict:
    data = {"year": round_.year, "title": round_.title, "seats": round_.seats}
    for name in ("proposals_open_at", "proposals_close_at", "voting_opens_at", "voting_closes_at",
                 "evaluation_opens_at", "evaluation_closes_at"):
        value = timezone.localtime(changes.pop(name, getattr(round_, name)))
        data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    return {**data, **changes}


def test_the_admin_changes_a_rounds_seats_and_dates_before_voting_opens(world, staff):
    round_ = open_round(staff.supervisor, seats=2)
    later = round_.voting_closes_at + DAY
    response = superuser_client(staff).post(reverse("admin:livelihood_round_change", args=[round_.pk]),
                                            admin_round_form(round_, seats=3, voting_closes_at=later))
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.seats == 3 and timezone.localtime(round_.voting_closes_at).date() == timezone.localtime(later).date()


def test_once_voting_opens_the_admin_cannot_change_a_rounds_seats_or_dates(world, staff, voting):
    round_, c = voting
    before = Round.objects.filter(pk=round_.pk).values().get()
    client = superuser_client(staff)
    url = reverse("admin:livelihood_round_change", args=[round_.pk])
    page = client.get(url).content.decode()
    assert 'name="seats"' not in page and 'name="voting_closes_at_0"' not in page and 'name="title"' in page
    response = client.post(url, admin_round_form(round_, title="2027年民生实事项目票决（更正）", seats=4,
                                                  voting_closes_at=round_.voting_closes_at + DAY,
                                                  voting_opens_at=round_.voting_opens_at + DAY))
    assert response.status_code == 302
    after = Round.objects.filter(pk=round_.pk).values().get()
    assert after["title"] == "2027年民生实事项目票决（更正）"
    assert {k: after[k] for k in services.BALLOT_TERMS} == {k: before[k] for k in services.BALLOT_TERMS}


@pytest.mark.parametrize("change", [
    {"seats": 3}, {"voting_closes_at": "later"}, {"voting_opens_at": "later"}, {"proposals_close_at": "earlier"},
])
def test_once_voting_opens_the_service_refuses_to_change_the_terms(world, staff, voting, change):
    round_, c = voting
    value = next(iter(change.values()))
    name = next(iter(change))
    if value == "later":
        value = getattr(round_, name) + dt.timedelta(minutes=30)
    elif value == "earlier":
        value = getattr(round_, name) - dt.timedelta(minutes=30)
    with pytest.raises(TransitionNotAllowed):
        services.round_update(round_id=round_.pk, actor=staff.supervisor, **{name: value})
    assert getattr(Round.objects.get(pk=round_.pk), name) == getattr(round_, name)


def test_before_voting_opens_the_service_changes_the_terms_within_the_rules(world, staff, voting):
    round_, c = voting
    set_phase(round_, "screening")  # candidates fixed, vote not yet open
    later = round_.voting_closes_at + DAY
    services.round_update(round_id=round_.pk, actor=staff.supervisor, seats=3, voting_closes_at=later)
    assert (Round.objects.get(pk=round_.pk).seats, Round.objects.get(pk=round_.pk).voting_closes_at) == (3, later)
    with pytest.raises(InvalidInput):  # four candidates: at most three seats
        services.round_update(round_id=round_.pk, actor=staff.supervisor, seats=4)
    with pytest.raises(NotPermitted):
        services.round_update(round_id=round_.pk, actor=staff.dispatcher, title="改名")


def test_once_a_ballot_is_cast_the_terms_are_frozen_even_if_the_dates_say_otherwise(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"])
    set_phase(round_, "screening")  # dates moved under the application
    with pytest.raises(TransitionNotAllowed):
        services.round_update(round_id=round_.pk, actor=staff.supervisor, seats=3)


def test_once_voting_opens_no_candidate_is_added_or_changed_by_admin_service_or_page(world, staff, voting):
    round_, c = voting
    client = superuser_client(staff)
    response = client.post(reverse("admin:livelihood_candidate_add"), {
        "round": round_.pk, "number": 9, "title": "新增项目", "description": "说明", "budget": "100",
        "department": world.department.pk})
    assert response.status_code == 200 and Candidate.objects.filter(round=round_).count() == 4
    change = client.get(reverse("admin:livelihood_candidate_change", args=[c["A"].pk])).content.decode()
    assert 'name="title"' not in change and 'name="budget"' not in change
    with pytest.raises(TransitionNotAllowed):
        services.candidate_create(round_id=round_.pk, actor=staff.supervisor, title="新增项目", description="说明",
                                  budget=100, department=world.department)
    page = client.post(reverse("livelihood:candidate_create", args=[round_.year]), {
        "candidate-title": "新增项目", "candidate-description": "说明", "candidate-budget": "100",
        "candidate-department": world.department.pk})
    assert page.status_code == 409 and Candidate.objects.filter(round=round_).count() == 4


# ---------------------------------------------------------------- a closed round stays closed


def test_a_closed_round_whose_results_were_shown_cannot_be_reopened_to_take_a_ballot(world, staff, voting):
    round_, c = voting
    first, second = make_voters(world, 2)
    cast(round_, first, c["A"])
    set_phase(round_, "closed")
    shown = Client().get(f"/api/v1/ballot/rounds/{round_.year}/results/")
    assert shown.status_code == 200 and shown.json()["ballots_cast"] == 1
    client = superuser_client(staff)
    client.post(reverse("admin:livelihood_round_change", args=[round_.pk]),
                admin_round_form(round_, voting_closes_at=timezone.now() + DAY))
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.CLOSED
    with pytest.raises(TransitionNotAllowed):
        services.round_update(round_id=round_.pk, actor=staff.supervisor, voting_closes_at=timezone.now() + DAY)
    # Even dates moved in the database itself do not reopen a counted round.
    Round.objects.filter(pk=round_.pk).update(voting_closes_at=timezone.now() + DAY)
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.CLOSED
    with pytest.raises(TransitionNotAllowed):
        cast(Round.objects.get(pk=round_.pk), second, c["B"])
    assert VoterRecord.objects.filter(round=round_).count() == 1 and not SealedBallot.objects.exists()
    assert Client().get(f"/api/v1/ballot/rounds/{round_.year}/results/").json()["ballots_cast"] == 1
    assert votes(round_) == {TITLES[0]: 1, TITLES[1]: 0, TITLES[2]: 0, TITLES[3]: 0}


def test_the_beat_task_counts_closed_rounds_once(world, staff, voting):
    from livelihood.tasks import ballot_tally_sweep_task

    round_, c = voting
    cast(round_, staff.deputy, c["C"])
    assert ballot_tally_sweep_task() == 0  # still open
    set_phase(round_, "closed")
    assert ballot_tally_sweep_task() == 1 and ballot_tally_sweep_task() == 0
    assert Round.objects.get(pk=round_.pk).ballots_cast == 1 and votes(round_)[TITLES[2]] == 1


# ---------------------------------------------------------------- the duty record keeps the day


def test_the_ballot_duty_record_keeps_the_day_and_no_time_and_the_api_shows_none(world, staff, voting):
    round_, c = voting
    cast(round_, staff.deputy, c["A"])
    record = DutyRecord.objects.get(source="ballot", source_id=round_.pk)
    created = timezone.localtime(record.created_at)
    assert record.occurred_on == timezone.localdate() == created.date()
    assert created.time() == dt.time(0)
    client = Client()
    assert client.login(username="deputy", password=PASSWORD)
    (row,) = [r for r in client.get("/api/v1/duty-records/").json()["results"] if r["id"] == record.pk]
    shown = timezone.localtime(dt.datetime.fromisoformat(row["created_at"]))
    assert shown.time() == dt.time(0) and row["occurred_on"] == record.occurred_on.isoformat()


# ---------------------------------------------------------------- the seal


def test_a_sealed_ballot_opens_only_for_its_round_and_has_one_length_blank_or_full():
    full = sealing.seal(round_id=7, width=3, candidate_ids=[905, 27, 4410])
    blank = sealing.seal(round_id=7, width=3, candidate_ids=[])
    assert len(full) == len(blank)
    assert sealing.unseal(round_id=7, sealed=full) == [27, 905, 4410] and sealing.unseal(round_id=7, sealed=blank) == []
    assert sealing.seal(round_id=7, width=3, candidate_ids=[905, 27, 4410]) != full  # a fresh nonce each time
    assert not any(struct.pack(f"{o}{s}", 905) in full for o in "<>" for s in "iq")
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(round_id=8, sealed=full)
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(round_id=7, sealed=full[:-1] + bytes([full[-1] ^ 1]))


def test_ballots_sealed_before_a_key_rotation_open_with_the_old_key_as_a_fallback(settings):
    settings.BALLOT_SEAL_KEY = "the key while voting"
    sealed = sealing.seal(round_id=3, width=2, candidate_ids=[11])
    settings.BALLOT_SEAL_KEY = "a new key"
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(round_id=3, sealed=sealed)
    settings.BALLOT_SEAL_KEY_FALLBACKS = ["the key while voting"]
    assert sealing.unseal(round_id=3, sealed=sealed) == [11]

