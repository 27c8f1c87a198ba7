"""Figures kept up to date by the database itself, so that a year of dashboard reads thousands of ledger rows
instead of every demand (bench/dashboard.py).

Each demand contributes the counts and sums of the figure registry (supervise/registry.py) to its receipt day and
month, once in each slice of ``registry.SLICES`` (the keys a filter and a breakdown need). Triggers on
``demands_demand`` append a row of +1s when a demand is created, and on every change to a column a figure, a bucket
or a key depends on, −1s for the old values and +1s for the new, netted per key (one row of differences where the
key stays): whatever path writes a demand (the services, a bulk load, the admin), the ledger follows in the same
transaction. Demands are never deleted (the test
database's flush does, so no trigger follows deletes; ``rebuild_figures`` repairs the ledger after a manual
deletion). Rows are append-only, so concurrent transactions never wait on one another; ``compact()`` (beat) folds
the new rows into one row per key.

The SQL here is generated from the registry, but what a database runs is what its migrations installed: each
migration that changes the triggers holds their SQL as text (``TRIGGERS``, ``REBUILD``), written by
``manage.py figure_triggers``; tests/test_figure_registry.py fails when the registry and the latest such migration
disagree. A migration therefore never imports this module, and a fresh ``migrate`` never sees today's registry.
The buckets follow settings.TIME_ZONE as it was when the migration was written (SQLite: its UTC offset; Asia/Shanghai
keeps no daylight saving time).

The ledger answers what it can answer exactly (``supervise.selectors.period_grouped``); a category moved under
another parent changes its demands' top-level category: run ``rebuild_figures`` then.
"""

import datetime as dt
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q, Sum

from . import registry
from .figures import Counts
from .models import FigureLedger

TABLE = FigureLedger._meta.db_table
DEMANDS = "demands_demand"
KEY_COLUMNS = ["grain", "day", "township_id", "slice", "a", "b"]
# Every SQL string below is built from the registry's names and expressions, never from input; values travel as
# bound parameters. The nosec markers tell bandit so.


def value_columns() -> list[str]:
    return [c.name for c in registry.counts()] + [s.column for s in registry.sums()]


def utc_offset_minutes() -> int:
    from zoneinfo import ZoneInfo

    offset = dt.datetime(2000, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds() // 60)


class Dialect:
    def __init__(self, vendor: str):
        self.vendor = vendor

    def bucket(self, grain: str, column: str) -> str:
        if self.vendor == "postgresql":
            local = f"{column} AT TIME ZONE '{settings.TIME_ZONE}'"
            return f"CAST({local} AS date)" if grain == "d" else f"CAST(date_trunc('month', {local}) AS date)"
        # SQLite stores naive UTC text; the zone's offset is fixed when the SQL is written. Whole seconds only: its
        # date functions round to milliseconds, which would move 23:59:59.9999 into the next day.
        local = f"substr({column}, 1, 19), '{utc_offset_minutes():+d} minutes'"
        return f"date({local})" if grain == "d" else f"date({local}, 'start of month')"

    def micros(self, end: str, start: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000 AS bigint)"

        # Exact integer arithmetic on Django's 'YYYY-MM-DD HH:MM:SS[.ffffff]' text, no floating julianday.
        def frac(col):
            return f"CAST(substr({col} || '.000000', 21, 6) AS INTEGER)"

        # Whole seconds from the text before the fraction (strftime rounds .9995 s up).
        def whole(col):
            return f"CAST(strftime('%s', substr({col}, 1, 19)) AS INTEGER)"

        return f"(({whole(end)} - {whole(start)}) * 1000000 + {frac(end)} - {frac(start)})"

    @property
    def distinct(self) -> str:
        return "IS DISTINCT FROM" if self.vendor == "postgresql" else "IS NOT"

    @property
    def same(self) -> str:
        return "IS NOT DISTINCT FROM" if self.vendor == "postgresql" else "IS"


def _values(d: Dialect, r: str, sign: str) -> list[str]:
    """The registry's counts and sums of row alias `r`, times `sign`."""
    result = [f"CASE WHEN {registry.where_sql(c.where, r)} THEN {sign} ELSE 0 END" for c in registry.counts()]
    for s in registry.sums():
        over = registry.by_name(s.over)
        result.append(f"CASE WHEN {registry.where_sql(over.where, r)} THEN {sign} * "
                      f"{d.micros(f'{r}.{s.end}', f'{r}.{s.start}')} ELSE 0 END")
    return result


def _key_sql(key: str, r: str) -> str:
    return registry.KEYS[key].sql.format(r=r)


def _slice_keys(s: registry.Slice, r: str) -> tuple[str, str]:
    a = _key_sql(s.keys[0], r) if len(s.keys) > 0 else "''"
    b = _key_sql(s.keys[1], r) if len(s.keys) > 1 else "''"
    return a, b


def _rows(d: Dialect, r: str, sign: str) -> str:
    """SELECT of one ledger row (key and value columns) per slice and grain for row alias `r` (NEW or OLD), its
    counts times `sign` +1 or -1."""
    rows = []
    for s in registry.SLICES:
        a, b = _slice_keys(s, r)
        for grain in s.grains:
            rows.append(f"SELECT '{grain}' AS grain, {1 if s.township else 0} AS t, '{s.name}' AS slice, "
                        f"{a} AS a, {b} AS b")
    values = ", ".join(f"{v} AS {c}" for v, c in zip(_values(d, r, sign), value_columns()))
    return (f"SELECT k.grain AS grain, CASE WHEN k.grain = 'd' THEN {d.bucket('d', f'{r}.created_at')} "  # nosec B608
            f"ELSE {d.bucket('m', f'{r}.created_at')} END AS day, CASE WHEN k.t = 1 THEN {r}.township_id ELSE NULL "
            f"END AS township_id, k.slice AS slice, k.a AS a, k.b AS b, {values} FROM ({' UNION ALL '.join(rows)}) k")


def _delta_insert(d: Dialect) -> str:
    """A new demand: its +1 rows."""
    return f"INSERT INTO {TABLE} ({', '.join([*KEY_COLUMNS, *value_columns()])}) {_rows(d, 'NEW', '1')}"  # nosec B608


def _delta_update(d: Dialect) -> str:
    """A changed demand: its −1 rows for the old values and +1 rows for the new, netted per key in one statement, so
    that a key the change leaves in place gets one row of differences, and a key nothing changed in gets none."""
    keys = ", ".join(KEY_COLUMNS)
    columns = value_columns()
    return (f"INSERT INTO {TABLE} ({keys}, {', '.join(columns)}) "  # nosec B608
            f"SELECT {keys}, {', '.join(f'SUM({c})' for c in columns)} "
            f"FROM ({_rows(d, 'OLD', '-1')} UNION ALL {_rows(d, 'NEW', '1')}) x GROUP BY {keys} "
            f"HAVING {' OR '.join(f'SUM({c}) <> 0' for c in columns)}")


def _changed(d: Dialect) -> str:
    return " OR ".join(f"OLD.{c} {d.distinct} NEW.{c}" for c in registry.watched_columns())


def install_sql(vendor: str) -> list[str]:
    """Statements that (re)create the triggers, from today's registry."""
    d = Dialect(vendor)
    watched = ", ".join(registry.watched_columns())
    if vendor == "postgresql":
        function = (
            "CREATE OR REPLACE FUNCTION supervise_figures_delta() RETURNS trigger AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP = 'UPDATE' THEN {_delta_update(d)}; ELSE {_delta_insert(d)}; END IF;\n"
            "  RETURN NULL;\n"
            "END $$ LANGUAGE plpgsql")
        return [
            *uninstall_sql(vendor), function,
            f"CREATE TRIGGER supervise_figures_ins AFTER INSERT ON {DEMANDS} "
            "FOR EACH ROW EXECUTE FUNCTION supervise_figures_delta()",
            f"CREATE TRIGGER supervise_figures_upd AFTER UPDATE OF {watched} ON {DEMANDS} "
            f"FOR EACH ROW WHEN ({_changed(d)}) EXECUTE FUNCTION supervise_figures_delta()",
        ]
    return [
        *uninstall_sql(vendor),
        f"CREATE TRIGGER supervise_figures_ins AFTER INSERT ON {DEMANDS} FOR EACH ROW BEGIN "
        f"{_delta_insert(d)}; END",
        f"CREATE TRIGGER supervise_figures_upd AFTER UPDATE OF {watched} ON {DEMANDS} FOR EACH ROW "
        f"WHEN {_changed(d)} BEGIN {_delta_update(d)}; END",
    ]


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS supervise_figures_ins ON {DEMANDS}",
                f"DROP TRIGGER IF EXISTS supervise_figures_upd ON {DEMANDS}",
                "DROP FUNCTION IF EXISTS supervise_figures_delta()"]
    return [f"DROP TRIGGER IF EXISTS supervise_figures_{name}" for name in ("ins", "upd")]


def rebuild_sql(vendor: str) -> list[str]:
    """Statements that recompute the ledger from the demands: the triggers' expressions, grouped, one pass per slice
    and grain. On PostgreSQL writers wait until the new ledger is in place, so no change falls in between."""
    d = Dialect(vendor)
    statements = [f"LOCK TABLE {DEMANDS} IN SHARE MODE"] if vendor == "postgresql" else []
    statements.append(f"DELETE FROM {TABLE}")  # nosec B608
    values = ", ".join(f"SUM({v})" for v in _values(d, "r", "1"))
    columns = ", ".join([*KEY_COLUMNS, "folded", *value_columns()])
    for s in registry.SLICES:
        a, b = _slice_keys(s, "r")
        for grain in s.grains:
            bucket = d.bucket(grain, "r.created_at")
            groups = [bucket, *(["r.township_id"] if s.township else []), *(k for k in (a, b) if k != "''")]
            statements.append(
                f"INSERT INTO {TABLE} ({columns}) "  # nosec B608
                f"SELECT '{grain}', {bucket}, {'r.township_id' if s.township else 'NULL'}, '{s.name}', {a}, {b}, "
                f"TRUE, {values} FROM {DEMANDS} r GROUP BY {', '.join(groups)}")
    return statements


def _sums() -> str:
    return ", ".join(f"SUM({c})" for c in value_columns())


def compact(using: str = "default") -> int:
    """Fold the rows the triggers added since the last compaction into one row per key; returns the rows folded.
    Safe beside concurrent writers and a second compaction: on PostgreSQL one statement moves exactly the rows it
    deletes. Only the keys with new rows are touched, however large the ledger."""
    connection = connections[using]
    d = Dialect(connection.vendor)
    keys = ", ".join(KEY_COLUMNS)
    match = " AND ".join(f"t.{c} {d.same} n.{c}" for c in KEY_COLUMNS)
    columns = ", ".join([*KEY_COLUMNS, "folded", *value_columns()])
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH new AS (SELECT DISTINCT {keys} FROM {TABLE} WHERE NOT folded), "  # nosec B608
                f"moved AS (DELETE FROM {TABLE} t USING new n WHERE {match} RETURNING t.*) "
                f"INSERT INTO {TABLE} ({columns}) SELECT {keys}, TRUE, {_sums()} FROM moved "
                f"GROUP BY {keys} HAVING SUM(received) <> 0")
            return cursor.rowcount
        # SQLite writes one transaction at a time, so the statements below see the same rows.
        cursor.execute(f"SELECT MAX(id) FROM {TABLE}")  # nosec B608
        last = cursor.fetchone()[0]
        if last is None:
            return 0
        chosen = (f"SELECT * FROM {TABLE} t WHERE t.id <= %s AND EXISTS (SELECT 1 FROM {TABLE} n "  # nosec B608
                  f"WHERE NOT n.folded AND n.id <= %s AND {match})")
        cursor.execute(f"CREATE TEMP TABLE figure_ledger_moved AS {chosen}", [last, last])
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN (SELECT id FROM figure_ledger_moved)")  # nosec B608
        cursor.execute(f"INSERT INTO {TABLE} ({columns}) SELECT {keys}, TRUE, {_sums()} "  # nosec B608
                       f"FROM figure_ledger_moved GROUP BY {keys} HAVING SUM(received) <> 0")
        folded = cursor.rowcount
        cursor.execute("DROP TABLE figure_ledger_moved")
        return folded


def rebuild(using: str = "default") -> int:
    """Recompute the ledger from the demands (after a bulk load without triggers, or a category move)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in rebuild_sql(connection.vendor):
            cursor.execute(statement)
    return FigureLedger.objects.using(using).count()


@contextmanager
def suspended(using: str = "default"):
    """Bulk loads without the triggers, then one rebuild. Only while nothing else writes demands (the seed commands).
    The triggers put back are the registry's own: the same as the latest migration's (a test says so)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in uninstall_sql(connection.vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in install_sql(connection.vendor):
                cursor.execute(statement)
        rebuild(using)


# ---------------------------------------------------------------- reading


def counts_of(named: dict) -> Counts:
    values = {c.name: named.get(c.name) or 0 for c in registry.counts()}
    values.update({s.name: dt.timedelta(microseconds=named.get(s.column) or 0) for s in registry.sums()})
    return Counts(**values)


def read(s: registry.Slice, *, spans: list[tuple[str, dt.date, dt.date]], group: str | None, a: str | None = None,
         township_id: int | None = None, using: str = "default") -> dict:
    """Sums of slice `s` over `spans` ((grain, first bucket, last bucket), disjoint in time), grouped by `group`
    (a ledger column: "day", "a", "b", "township_id"; None: one total): group value -> Counts."""
    if not spans:
        return {}
    when = Q()
    for grain, first, last in spans:
        when |= Q(grain=grain, day__gte=first, day__lte=last)
    rows = FigureLedger.objects.using(using).filter(when, slice=s.name)
    if a is not None:
        rows = rows.filter(a=a)
    if township_id is not None:
        rows = rows.filter(township_id=township_id)
    names = value_columns()
    groups = [group] if group else []
    rows = rows.order_by().values(*groups).annotate(**{c: Sum(c) for c in names}).values_list(*groups, *names)
    result = {}
    for row in rows:
        named = dict(zip(names, row[len(groups):]))
        if named["received"]:  # a key every demand has left since: nothing to show, as counting shows nothing
            result[row[0] if group else None] = counts_of(named)
    return result
