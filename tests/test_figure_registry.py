"""The figure registry (supervise/registry.py) is the one definition of every dashboard figure: the ORM filters, the
ledger's trigger SQL, the links, the export's columns and the API's fields all derive from it; the triggers a
database runs are the text its migrations froze, and that text is the registry's own today. A figure added later
(tests/scratch_figure) migrates a fresh database from zero on SQLite and on PostgreSQL."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from demands.models import Demand
from demands.states import Status
from supervise import export, figures, registry, rollup, selectors
from supervise.api import DashboardFiguresSerializer, DashboardSerializer
from supervise.management.commands import figure_triggers

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "supervise" / "migrations"


def test_the_latest_trigger_migration_holds_the_registrys_sql():
    latest = figure_triggers.latest_frozen()
    assert latest is not None
    # A figure changed in the registry without `manage.py figure_triggers` fails here, for both databases.
    assert figure_triggers.drift(latest) == []
    for vendor in figure_triggers.VENDORS:
        assert latest.TRIGGERS[vendor] == rollup.install_sql(vendor)
        assert latest.REBUILD[vendor] == rollup.rebuild_sql(vendor)


@pytest.mark.django_db
def test_the_database_runs_the_latest_migrations_triggers():
    latest = figure_triggers.latest_frozen()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'supervise_figures_delta'")
            (body,) = cursor.fetchone()
            function = next(s for s in latest.TRIGGERS["postgresql"] if s.startswith("CREATE OR REPLACE FUNCTION"))
            assert body in function
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'supervise_figures_%' "
                           "ORDER BY name")
            installed = [row[0] for row in cursor.fetchall()]
            assert installed == sorted(s for s in latest.TRIGGERS["sqlite"] if s.startswith("CREATE TRIGGER"))


def test_no_migration_imports_the_figures_code():
    for path in MIGRATIONS.glob("0*.py"):
        text = path.read_text(encoding="utf-8")
        for module in ("rollup", "registry", "figures", "selectors", "supervise import", "supervise."):
            assert f"import {module}" not in text and f"from {module}" not in text, (path.name, module)


def test_everything_else_derives_from_the_registry():
    counts = [c.name for c in registry.counts()]
    assert list(figures.COUNT_FILTERS) == counts
    assert list(selectors.COUNT_LINKS) == [c.name for c in registry.counts() if c.shown]
    assert selectors.RATES == {r.name: (r.numerator, r.denominator) for r in registry.rates()}
    assert [k for k, _h in export.COLUMNS] == [f.name for f in registry.FIGURES if (
        isinstance(f, registry.Count) and f.shown) or isinstance(f, (registry.RateFigure, registry.MeanFigure))]
    assert set(DashboardFiguresSerializer().get_fields()) == {*selectors.COUNT_LINKS, *selectors.RATES,
                                                               *selectors.MEANS}
    assert [d["key"] for d in selectors.definitions()] == [
        "received", "closed", "resolution_rate", "on_time_rate", "satisfaction", "rating_coverage",
        "local_resolution", "rework_rate", "consultation_24h_rate", "mean_time_to_accept", "mean_time_to_resolve",
        "revisit_rate", "revisit_agreement", "overdue", "escalation"]
    # The call-back figures are ordinary ledger figures, counted per demand from its flags, in the API like the rest.
    assert {"revisit_rate", "revisit_agreement", "callback_due", "callback_reached", "callback_compared",
            "callback_agrees"} <= set(DashboardSerializer().get_fields()["figures"].get_fields())
    # One ledger column per count and sum; the triggers watch every column a condition, sum or key reads.
    from supervise.models import FigureLedger

    columns = {f.column for f in FigureLedger._meta.concrete_fields}
    assert set(rollup.value_columns()) <= columns
    watched = set(registry.watched_columns())
    for c in registry.counts():
        assert {col for cond in c.where for col in cond.columns} <= watched


def test_condition_values_are_what_the_database_stores():
    fields = {f.name: f for f in Demand._meta.concrete_fields}
    for c in registry.counts():
        for cond in c.where:
            field = fields[cond.column.removesuffix("_id")] if cond.column not in fields else fields[cond.column]
            values = cond.value if cond.op == "in" else (cond.value,) if cond.op in ("=", "<>") else ()
            choices = {v for v, _label in field.choices} if field.choices else None
            for value in values:
                assert choices is None or value in choices or value == "", (c.name, cond)
    assert set(registry.POSITIVE_RATINGS) < {v for v, _l in fields["rating"].choices}


@pytest.mark.django_db
def test_orm_filters_and_sql_conditions_count_the_same_demands(walk, world, staff):
    for status in (Status.CLOSED, Status.VERIFIED, Status.ACCEPTED, Status.REJECTED, Status.RECEIVED):
        walk(status)
    walk(Status.CLOSED, unit=world.grid)
    with connection.cursor() as cursor:
        for c in registry.counts():
            cursor.execute(f"SELECT COUNT(*) FROM demands_demand r WHERE {registry.where_sql(c.where, 'r')}")
            assert cursor.fetchone()[0] == Demand.objects.filter(c.q).count(), c.name


# ---------------------------------------------------------------- a figure added later, migrated from zero


def _scratch(tmp_path: Path, database_url: str | None) -> None:
    """In a subprocess with tests/scratch_settings.py (the scratch app adds a figure): makemigrations and
    figure_triggers write its migrations into a copy of supervise's, then a fresh database migrates from zero and the
    ledger counts the new figure."""
    package = tmp_path / "scratch_migrations"
    shutil.copytree(MIGRATIONS, package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.scratch_settings", "SCRATCH_DIR": str(tmp_path),
           "PORTAL_VAR_DIR": str(tmp_path / "var"), "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url

    def manage(*args, check=True):
        result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,  # nosec
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 or not check, (args, result.stdout[-3000:], result.stderr[-3000:])
        return result

    # Before the new figure's migrations, the registry and the latest trigger migration disagree.
    assert manage("figure_triggers", "--check", check=False).returncode == 1
    manage("makemigrations", "supervise", "-n", "urgent_figure")
    manage("figure_triggers")
    assert "nothing to write" in manage("figure_triggers", "--check").stdout
    written = sorted(p.name for p in package.glob("0*.py"))
    assert written[-2:] == ["0009_urgent_figure.py", "0010_figure_triggers.py"], written
    manage("migrate", "--noinput")
    out = manage("shell", "-c", SCRATCH_CHECK).stdout
    assert "urgent 2 of 3, share 66.7%" in out, out
    # And back: the reverse migrations put the earlier triggers back, down to none.
    manage("migrate", "supervise", "zero", "--noinput")
    manage("migrate", "--noinput")


SCRATCH_CHECK = """
import datetime as dt
from django.utils import timezone
from accounts.models import Role, User
from demands.codes import new_tracking_code
from demands.models import Demand
from supervise.models import FigureLedger
from supervise.selectors import DashboardFilters, dashboard_report
for urgency in ("urgent", "urgent", "normal"):
    Demand.objects.create(tracking_code=new_tracking_code(), type="help", urgency=urgency, content="路灯不亮")
Demand.objects.filter(urgency="normal").update(urgency="urgent")
Demand.objects.filter(pk=Demand.objects.order_by("pk")[0].pk).update(urgency="normal")
supervisor = User.objects.create_user(username="supervisor", password=None, role=Role.SUPERVISOR)
today = timezone.localdate()
report = dashboard_report(supervisor, DashboardFilters(date_from=today - dt.timedelta(days=364), date_to=today),
                          granularity="month", by="township")
f = report["figures"]
assert FigureLedger.objects.filter(grain="m", slice="").count() >= 1
print(f"urgent {f['urgent']['value']} of {f['received']['value']}, share {f['urgent_share']['display']}")
"""


def test_a_figure_added_later_migrates_from_zero_on_sqlite(tmp_path):
    _scratch(tmp_path, None)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL run of the suite does this one")
def test_a_figure_added_later_migrates_from_zero_on_postgresql(tmp_path):
    import psycopg

    base = settings.DATABASES["default"]
    name = f"minsheng_a_scratch_{uuid.uuid4().hex[:8]}"
    params = {"host": base.get("HOST") or None, "port": base.get("PORT") or None, "user": base.get("USER") or None,
              "password": base.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True}
    params = {k: v for k, v in params.items() if v is not None}
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = base.get("USER") or "postgres"
        if base.get("PASSWORD"):
            auth += f":{base['PASSWORD']}"
        _scratch(tmp_path, f"postgres://{auth}@{base.get('HOST') or 'localhost'}:{base.get('PORT') or 5432}/{name}")
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
