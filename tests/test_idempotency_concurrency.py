"""Idempotency-Key on the action APIs: one key, one effect, one answer — also when the repeats arrive at once.

The concurrency tests need PostgreSQL (a second insert of the key waits on the unique index); the replay rules
run on SQLite too.
"""

import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from demands.models import DemandEvent, SupervisionOrder
from demands.states import Status
from integrations.models import ApiToken
from core.idempotency import request_hash
from core.models import IdempotencyRecord

NOTE = {"text": "已联系环卫所，明天上午清运。", "public": True}
URGE = {"note": "请三日内办结并回复。", "due_date": "2099-12-31"}


def on_postgres(test):
    """Threads on their own connections, each request in its own committed transaction."""
    test = pytest.mark.skipif(connection.vendor != "postgresql", reason="the unique index wait needs PostgreSQL")(test)
    return pytest.mark.postgres(pytest.mark.django_db(transaction=True)(test))


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=user, name='test')[1]}")
    return client


def post(client, url, body, key):
    response = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    return response.status_code, response.json()


def run_in_threads(n, fn):
    barrier = threading.Barrier(n)
    results, lock = [], threading.Lock()

    def worker():
        try:
            barrier.wait()
            outcome = fn()
        except Exception as exc:  # collected and asserted on below
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


# ---------------------------------------------------------------- concurrent repeats (PostgreSQL)


@on_postgres
def test_eight_concurrent_notes_with_one_key_write_one_event_and_give_one_answer(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = client_of(staff.handler)
    url = f"/api/v1/demands/{demand.pk}/note/"

    answers = run_in_threads(8, lambda: post(client, url, NOTE, "note-key-1"))

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert len(answers) == 8 and all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 200
    assert DemandEvent.objects.filter(demand=demand, action="note").count() == 1
    assert IdempotencyRecord.objects.filter(key="note-key-1").count() == 1


@on_postgres
def test_six_concurrent_urges_with_one_key_open_one_supervision_order(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = client_of(staff.supervisor)
    url = f"/api/v1/demands/{demand.pk}/urge/"

    answers = run_in_threads(6, lambda: post(client, url, URGE, "urge-key-1"))

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert all(answer == answers[0] for answer in answers) and answers[0][0] == 200
    assert SupervisionOrder.objects.filter(demand=demand).count() == 1


@on_postgres
def test_a_repeat_waits_for_the_first_and_runs_itself_when_the_first_rolls_back(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = client_of(staff.handler)
    url = f"/api/v1/demands/{demand.pk}/note/"
    claimed, release, answers = threading.Event(), threading.Event(), []

    class RolledBack(Exception):
        pass

    def first_claims_then_fails():
        # What a first request does before its action fails: the key is claimed in its open transaction.
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(user=staff.handler, key="k-rollback", request_hash="-")
                claimed.set()
                release.wait(timeout=30)
                raise RolledBack
        except RolledBack:
            pass
        finally:
            connections.close_all()

    def second_repeats():
        try:
            answers.append(post(client, url, NOTE, "k-rollback"))
        finally:
            connections.close_all()

    first = threading.Thread(target=first_claims_then_fails)
    first.start()
    assert claimed.wait(timeout=30)
    second = threading.Thread(target=second_repeats)
    second.start()
    second.join(timeout=1)
    assert second.is_alive() and not answers  # waiting on the key, not acting beside the first
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert answers and answers[0][0] == 200
    assert DemandEvent.objects.filter(demand=demand, action="note").count() == 1


# ---------------------------------------------------------------- replays (any database)


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer_without_acting_again(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = client_of(staff.handler)
    url = f"/api/v1/demands/{demand.pk}/note/"

    first = post(client, url, NOTE, "k-1")
    again = post(client, url, NOTE, "k-1")

    assert first[0] == 200 and again == first
    assert DemandEvent.objects.filter(demand=demand, action="note").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_422(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = client_of(staff.handler)
    url = f"/api/v1/demands/{demand.pk}/note/"
    post(client, url, NOTE, "k-2")

    status, body = post(client, url, {**NOTE, "text": "另一条备注"}, "k-2")

    assert status == 422 and body["code"] == "idempotency_key_reused"
    assert DemandEvent.objects.filter(demand=demand, action="note").count() == 1


@pytest.mark.django_db
def test_the_same_key_on_another_demand_is_refused_with_422(walk, staff):
    first, second = walk(Status.ACCEPTED), walk(Status.ACCEPTED)
    client = client_of(staff.handler)
    post(client, f"/api/v1/demands/{first.pk}/note/", NOTE, "k-3")

    status, body = post(client, f"/api/v1/demands/{second.pk}/note/", NOTE, "k-3")

    assert status == 422 and not DemandEvent.objects.filter(demand=second, action="note").exists()


@pytest.mark.django_db
def test_a_refused_action_stores_nothing_so_the_corrected_retry_runs(walk, staff):
    demand = walk(Status.ACCEPTED)
    client = client_of(staff.supervisor)
    url = f"/api/v1/demands/{demand.pk}/urge/"

    refused = post(client, url, {"note": "请加快办理"}, "k-4")  # no due date
    corrected = post(client, url, URGE, "k-4")

    assert refused[0] == 400 and corrected[0] == 200
    assert SupervisionOrder.objects.filter(demand=demand).count() == 1
    assert IdempotencyRecord.objects.get(key="k-4").request_hash != ""


@pytest.mark.django_db
def test_keys_belong_to_their_user(walk, staff):
    demand = walk(Status.ACCEPTED)
    handler, boss = client_of(staff.handler), client_of(staff.supervisor)
    post(handler, f"/api/v1/demands/{demand.pk}/note/", NOTE, "shared-key")

    status, _body = post(boss, f"/api/v1/demands/{demand.pk}/urge/", URGE, "shared-key")

    assert status == 200 and SupervisionOrder.objects.filter(demand=demand).count() == 1


@pytest.mark.django_db
def test_a_key_with_a_control_character_is_a_400(walk, staff):
    demand = walk(Status.ACCEPTED)
    status, body = post(client_of(staff.handler), f"/api/v1/demands/{demand.pk}/note/", NOTE, "k\x01")
    assert status == 400 and body["code"] == "invalid"
    assert not DemandEvent.objects.filter(demand=demand, action="note").exists()


@pytest.mark.django_db
def test_the_suggestion_actions_replay_too(world, staff):
    from suggestions import services as suggestion_services

    suggestion = suggestion_services.suggestion_draft(
        actor=staff.deputy, title="关于增设莲花社区公交站点的建议", content="莲花社区居民出行不便，建议增设公交站点。")
    client = client_of(staff.deputy)
    url = f"/api/v1/suggestions/{suggestion.pk}/withdraw/"

    first = post(client, url, {"reason": "合并到另一件建议"}, "s-1")
    again = post(client, url, {"reason": "合并到另一件建议"}, "s-1")
    other = post(client, url, {"reason": "另一个理由"}, "s-1")

    assert first[0] == 200 and again == first and other[0] == 422


def test_the_request_hash_names_the_path_and_the_body():
    class Fake:
        def __init__(self, path, data):
            self.path, self.data = path, data

    assert request_hash(Fake("/a/", {"x": 1, "y": 2})) == request_hash(Fake("/a/", {"y": 2, "x": 1}))
    assert request_hash(Fake("/a/", {"x": 1})) != request_hash(Fake("/b/", {"x": 1}))
