"""Every script under bench/ still runs: each in a subprocess with --smoke (tiny sizes, one round).

Each script gets a throwaway copy of a migrated database of the suite's kind in SMOKE_DATABASE_URL and
DATABASE_URL: SQLite (the suite's test database, written out), or PostgreSQL when the suite runs on it. A script
that calls bench._smoke.postgres_url() also gets a throwaway PostgreSQL database in SMOKE_POSTGRES_URL: on the
suite's server, else on BENCH_POSTGRES's (default the local one); only when none answers is it empty, and the
script then skips. The PostgreSQL copies come from one database migrated here once.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from .conftest import on_test_database

ROOT = Path(settings.BASE_DIR)
BENCH = ROOT / "bench"
# The scripts are the .py files right in bench/; bench/_*.py are what they share.
SCRIPTS = sorted(path.name for path in BENCH.glob("*.py") if not path.name.startswith("_"))
SKIPPED = re.compile(r"^smoke run skipped: (.*)$", re.MULTILINE)
# Server and name prefix of the throwaway PostgreSQL databases when the suite itself runs on SQLite.
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/minsheng_bench"
# The suite's own settings; a script picks its own, as when run by hand.
SUITE_ONLY = {"DJANGO_SETTINGS_MODULE", "PORTAL_TESTING", "SECRET_KEY", "DEBUG"}

# Slow and self-contained: started first, so that a parallel run does not end waiting on them.
pytestmark = pytest.mark.early


def _source(script: str) -> str:
    return (BENCH / script).read_text(encoding="utf-8")


def _needs_postgres(script: str) -> bool:
    return "postgres_url(" in _source(script)


def _psql(server: str, *statements: str) -> subprocess.CompletedProcess:
    command = ["psql", f"{server}/postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    for statement in statements:
        command += ["-c", statement]
    return subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "5"})


def _migrate(database_url: str, **extra_env) -> None:
    done = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env={**os.environ, "DATABASE_URL": database_url, **extra_env})
    assert done.returncode == 0, done.stdout + done.stderr


class Postgres:
    """Throwaway PostgreSQL databases, each a copy of one migrated on first use."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.server = f"{parts.scheme}://{parts.netloc}"
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        base = parts.path.lstrip("/")
        self.prefix = f"{base}_smoke_{worker}" if worker else f"{base}_smoke"
        self.template = None

    def answers(self) -> bool:
        return shutil.which("psql") is not None and _psql(self.server, "SELECT 1").returncode == 0

    def create(self, name: str) -> str:
        if self.template is None:
            template = f"{self.prefix}_template"
            self._run(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)', f'CREATE DATABASE "{template}"')
            self.template = template
            # With the table bench/intake.py adds (BENCH_CEILING), so its migrate has nothing to do.
            _migrate(f"{self.server}/{template}", BENCH_CEILING="1")
        database = f"{self.prefix}_{name}"
        self._run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                  f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"')
        return f"{self.server}/{database}"

    def drop(self, url: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def drop_template(self) -> None:
        if self.template is not None:
            self._run(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')

    def _run(self, *statements: str) -> None:
        done = _psql(self.server, *statements)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def postgres():
    """The PostgreSQL server for the scripts that need one: the suite's, else BENCH_POSTGRES's; None if none answers."""
    suite = os.environ.get("DATABASE_URL", "")
    on_postgres = suite.startswith(("postgres://", "postgresql://"))
    server = Postgres(suite if on_postgres else os.environ.get("BENCH_POSTGRES") or LOCAL_POSTGRES)
    if not server.answers():
        assert not on_postgres, "the suite's PostgreSQL server does not answer"
        yield None
        return
    try:
        yield server
    finally:
        server.drop_template()


@pytest.fixture(scope="module")
def sqlite_database(django_db_setup, django_db_blocker, tmp_path_factory):
    """A migrated SQLite database in a file a subprocess can open: the suite's test database, written out."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("bench") / "suite.sqlite3"
    if not on_test_database():  # a run without database tests made none
        _migrate(f"sqlite:///{path}")
        return path
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
    return path


@pytest.fixture
def databases(request, postgres, sqlite_database, tmp_path):
    """The environment naming one script's throwaway databases; they are dropped afterwards."""
    script = request.node.callspec.params["script"]
    made = []
    if sqlite_database is not None:
        shutil.copy(sqlite_database, tmp_path / "bench.sqlite3")
        suite_url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    else:
        suite_url = postgres.create(Path(script).stem)
        made.append(suite_url)
    postgres_url = ""
    if _needs_postgres(script) and postgres is not None:
        postgres_url = suite_url if sqlite_database is None else postgres.create(Path(script).stem)
        made.append(postgres_url)
    yield {"SMOKE_DATABASE_URL": suite_url, "DATABASE_URL": suite_url, "SMOKE_POSTGRES_URL": postgres_url}
    for url in set(made):
        postgres.drop(url)


def test_the_bench_folder_has_scripts():
    assert {"escalation_sweep.py", "grouping.py", "images.py", "intake.py", "load.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_runs_in_smoke_mode(script, databases):
    if "--smoke" not in _source(script):  # else it would run its full benchmark here, for minutes
        pytest.fail(f"bench/{script} has no --smoke mode (tiny sizes, one round, a few seconds)", pytrace=False)
    env = {key: value for key, value in os.environ.items() if key not in SUITE_ONLY}
    env.update(databases, CLASSIFIER_PATH=str(settings.CLASSIFIER_PATH))

    done = subprocess.run([sys.executable, str(BENCH / script), "--smoke"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)

    output = done.stdout + done.stderr
    if done.returncode or "Traceback" in output:
        pytest.fail(f"bench/{script} --smoke exited with {done.returncode}:\n{output[-8000:]}", pytrace=False)
    skipped = SKIPPED.search(done.stdout)
    if skipped:
        assert not databases["SMOKE_POSTGRES_URL"], f"bench/{script} skipped with a PostgreSQL database given"
        pytest.skip(f"bench/{script}: {skipped.group(1)}")
