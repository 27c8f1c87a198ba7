"""Two web processes share PostgreSQL and Redis: a change saved anywhere takes effect in both on their next request.

Each gunicorn process (one worker each, on its own port, so every request lands where the test says) keeps API
tokens, integration scopes and categories in its own memory. The test warms both, changes the rows here (a third
process, as the admin or a command would be) and asks each again. Runs in CI's PostgreSQL pass when Redis answers
on 127.0.0.1:6379; the tests of the stamps themselves run everywhere.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from demands import services
from demands.models import DemandType
from integrations.models import ApiToken
from integrations.services import integration_create
from core import versions

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/6"
CONTENT = "莲花社区菜市场旁夜市噪音很大，凌晨一点还在营业。"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Web:
    """One gunicorn process with one worker, answering on its own port."""

    def __init__(self, name: str, env: dict, log: Path):
        self.name, self.port, self.log = name, _free_port(), log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Authorization": f"Token {token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.name} exited:\n{self.log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def shared_redis(settings):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    # This process writes the version stamps where the web processes read them.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    yield REDIS_URL
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def two_web_processes(shared_redis, settings, tmp_path, world):
    # No classifier file: intake must not spend seconds loading one, and a request never trains one.
    settings.CLASSIFIER_PATH = tmp_path / "no-classifier.joblib"
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.test_settings", "DEBUG": "0",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "REDIS_URL": shared_redis, "CELERY_BROKER_URL": shared_redis,
           "CLASSIFIER_PATH": str(settings.CLASSIFIER_PATH), "LOG_LEVEL": "WARNING"}
    webs = [Web(name, env, tmp_path / f"{name}.log") for name in ("a", "b")]
    try:
        deadline = time.monotonic() + 120
        for web in webs:
            web.wait_ready(deadline)
        yield webs
    finally:
        for web in webs:  # before the test database is flushed: their connections must be gone
            web.stop()


@pytest.fixture
def hotline(world):
    integration, token = integration_create(name="12345热线", townships=[world.township, world.other_township])
    far_demand = services.demand_receive(actor=None, type=DemandType.HELP, content=CONTENT,
                                         township=world.other_township)
    return integration, token, far_demand


def intake_body(world, **extra) -> dict:
    return {"type": "complaint", "content": CONTENT, "township": world.township.code,
            "category": world.category.code, **extra}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the web processes share the PostgreSQL test database")
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_token_scope_and_category_changes_reach_both_web_processes_on_their_next_request(
        two_web_processes, hotline, world):
    integration, token, far_demand = hotline
    far = f"/api/v1/demands/{far_demand.pk}/"
    # Given both processes have the token, the integration's two townships and the categories in memory
    for web in two_web_processes:
        assert web.call("GET", far, token)[0] == 200, web.name
        status, body = web.call("POST", "/api/v1/demands/", token, intake_body(world))
        assert status == 201, (web.name, body)

    # When the integration loses the other township, neither process shows its demand any more
    integration.townships.remove(world.other_township)
    for web in two_web_processes:
        status, body = web.call("GET", far, token)
        assert (status, body["code"]) == (404, "not_found"), web.name
        assert web.call("GET", "/api/v1/demands/", token)[0] == 200, web.name  # the token itself still works

    # When the category is deactivated, neither process accepts a demand filed under it
    world.category.is_active = False
    world.category.save()
    for web in two_web_processes:
        status, body = web.call("POST", "/api/v1/demands/", token, intake_body(world))
        # Well formed, naming a category no longer offered: 422 (docs/workflow.md#errors).
        assert status == 422 and "category" in body["fields"], (web.name, body)

    # When the token is revoked, both refuse it
    record = ApiToken.objects.get(user=integration.user)
    record.revoked_at = timezone.now()
    record.save()
    for web in two_web_processes:
        status, body = web.call("GET", "/api/v1/demands/", token)
        assert (status, body["code"]) == (401, "not_authenticated"), web.name


# ---------------------------------------------------------------- the stamps, in one process


@pytest.mark.django_db
def test_a_revocation_changes_the_stamp_only_once_committed(world, django_capture_on_commit_callbacks):
    _integration, _token = integration_create(name="12345热线")
    record = ApiToken.objects.get()
    before = versions.current(versions.INTEGRATIONS)

    with django_capture_on_commit_callbacks(execute=True):
        record.revoked_at = timezone.now()
        record.save()
        # Another process reloading now would still read the unrevoked row: it must not keep it under a new stamp.
        assert versions.current(versions.INTEGRATIONS) == before

    assert versions.current(versions.INTEGRATIONS) not in (before, None)


@pytest.mark.django_db
def test_a_staff_sign_in_leaves_every_process_its_tokens(client, world, dispatcher, django_capture_on_commit_callbacks):
    before = versions.current(versions.INTEGRATIONS)

    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(dispatcher)  # records last_login, as every sign-in does

    assert versions.current(versions.INTEGRATIONS) == before
