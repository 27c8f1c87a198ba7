"""Monthly figures kept up to date by the database itself, so a year of dashboard reads thousands of rows instead
of every demand (bench/dashboard.py).

Each demand contributes the counts of ``figures.COUNT_FILTERS`` (and the two time sums) to its receipt month and
township, once under each breakdown dimension below. Triggers on ``demands_demand`` append a row of +1s when a
demand is created, and on every change to a column a figure depends on, a row of −1s for the old values and one
of +1s for the new: whatever path writes a demand (the services, a bulk load, the admin), the ledger follows in
the same transaction. Demands are never deleted (the test database's flush does, so no trigger follows deletes;
``rebuild_figures`` repairs the ledger after a manual deletion). Rows are append-only, so concurrent
transactions never wait on one another; ``compact()`` (beat) folds them into one row per key.

The ledger answers only what it can answer exactly: whole local months, the whole district or one township, no
other filter. ``supervise.selectors.period_grouped`` reads the period's partial first and last months from the demands.
A category moved under another parent changes its demands' top-level category: run ``rebuild_figures`` then.
The triggers are SQL generated here at migration time: a change to these expressions needs a migration that
runs ``install_sql`` again.
"""

import datetime as dt
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Max, Sum

from .figures import Counts, Grouped
from .models import MonthlyFigures

TABLE = MonthlyFigures._meta.db_table
DEMANDS = "demands_demand"
# Every SQL string below is built from these names and the module's own expressions, never from input; values
# travel as bound parameters. The nosec markers below tell bandit so.
CATEGORIES = "demands_category"

# The columns any figure, the month or a key depends on: an update touching none of them changes nothing here.
WATCHED = ["created_at", "township_id", "unit_department_id", "category_id", "channel", "grid_id", "status",
           "outcome", "resolved_at", "resolve_deadline", "rating", "resolved_by_grid", "rework_count",
           "accepted_at", "dispatched_at"]

# figures.COUNT_FILTERS in SQL, on a row alias {r}. tests/test_figures_ledger.py proves the two agree.
COUNT_SQL = {
    "received": "1 = 1",
    "closed": "{r}.status = 'closed'",
    "closed_solved": "{r}.status = 'closed' AND {r}.outcome = 'solved'",
    "resolved": "{r}.resolved_at IS NOT NULL",
    "on_time": "{r}.resolved_at IS NOT NULL AND {r}.resolve_deadline IS NOT NULL "
               "AND {r}.resolved_at <= {r}.resolve_deadline",
    "rated": "{r}.rating <> ''",
    "satisfied": "{r}.rating IN ('satisfied', 'basically_satisfied')",
    "solved": "{r}.outcome = 'solved'",
    "solved_locally": "{r}.outcome = 'solved' AND {r}.resolved_by_grid AND {r}.unit_department_id IS NULL",
    "reworked": "{r}.resolved_at IS NOT NULL AND {r}.rework_count > 0",
    "accepted": "{r}.accepted_at IS NOT NULL AND {r}.dispatched_at IS NOT NULL",
}
# Time sums in microseconds: (column name, end, start, condition).
TIME_SQL = {
    "accept_time_us": ("accepted_at", "dispatched_at", COUNT_SQL["accepted"]),
    "resolve_time_us": ("resolved_at", "created_at", COUNT_SQL["resolved"]),
}
DIMENSIONS = ("department", "category", "channel", "grid")
VALUE_COLUMNS = [*COUNT_SQL, *TIME_SQL]


class Dialect:
    def __init__(self, vendor: str):
        self.vendor = vendor

    def month(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST(date_trunc('month', {column} AT TIME ZONE '{settings.TIME_ZONE}') AS date)"
        # SQLite stores naive UTC text; the zone's offset is fixed at migration time (Asia/Shanghai has no DST).
        return f"date({column}, '{utc_offset_minutes():+d} minutes', 'start of month')"

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

    def text(self, expression: str) -> str:
        return f"COALESCE(CAST({expression} AS {'text' if self.vendor == 'postgresql' else 'TEXT'}), '')"


def utc_offset_minutes() -> int:
    from zoneinfo import ZoneInfo

    offset = dt.datetime(2000, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds() // 60)


def _value(d: Dialect, r: str, dim: str) -> str:
    """The key of row alias `r` under `dim`, as text ('' for none); figures.BREAKDOWN_KEYS in SQL."""
    return d.text({
        "department": f"{r}.unit_department_id",
        "category": f"(SELECT COALESCE(c.parent_id, c.id) FROM {CATEGORIES} c "  # nosec B608
                    f"WHERE c.id = {r}.category_id)",
        "channel": f"{r}.channel",
        "grid": f"{r}.grid_id",
    }[dim])


def _keys(d: Dialect, r: str) -> str:
    """One row per dimension: (dim, value) of row alias `r`."""
    return " UNION ALL ".join(f"SELECT '{dim}' AS dim, {_value(d, r, dim)} AS value" for dim in DIMENSIONS)


def _values(d: Dialect, r: str, sign: str) -> list[str]:
    counts = [f"CASE WHEN {sql.format(r=r)} THEN {sign} ELSE 0 END" for sql in COUNT_SQL.values()]
    times = [f"CASE WHEN {cond.format(r=r)} THEN {sign} * {d.micros(f'{r}.{end}', f'{r}.{start}')} ELSE 0 END"
             for end, start, cond in TIME_SQL.values()]
    return counts + times


COLUMNS = ["month", "township_id", "dim", "value", *VALUE_COLUMNS]


def _delta_insert(d: Dialect, r: str, sign: str) -> str:
    """INSERT of one ledger row per dimension for row alias `r` (NEW or OLD) with `sign` +1 or -1."""
    return (f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "  # nosec B608
            f"SELECT {d.month(f'{r}.created_at')}, {r}.township_id, k.dim, k.value, {', '.join(_values(d, r, sign))} "
            f"FROM ({_keys(d, r)}) k")


def _changed(d: Dialect) -> str:
    op = "IS DISTINCT FROM" if d.vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in WATCHED)


def install_sql(vendor: str) -> list[str]:
    """Statements that (re)create the triggers."""
    d = Dialect(vendor)
    if vendor == "postgresql":
        function = (
            "CREATE OR REPLACE FUNCTION supervise_figures_delta() RETURNS trigger AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP = 'UPDATE' THEN {_delta_insert(d, 'OLD', '-1')}; END IF;\n"
            f"  {_delta_insert(d, 'NEW', '1')};\n"
            "  RETURN NULL;\n"
            "END $$ LANGUAGE plpgsql")
        return [
            *uninstall_sql(vendor), function,
            f"CREATE TRIGGER supervise_figures_ins AFTER INSERT ON {DEMANDS} "
            "FOR EACH ROW EXECUTE FUNCTION supervise_figures_delta()",
            f"CREATE TRIGGER supervise_figures_upd AFTER UPDATE OF {', '.join(WATCHED)} ON {DEMANDS} "
            f"FOR EACH ROW WHEN ({_changed(d)}) EXECUTE FUNCTION supervise_figures_delta()",
        ]
    return [
        *uninstall_sql(vendor),
        f"CREATE TRIGGER supervise_figures_ins AFTER INSERT ON {DEMANDS} FOR EACH ROW BEGIN "
        f"{_delta_insert(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER supervise_figures_upd AFTER UPDATE OF {', '.join(WATCHED)} ON {DEMANDS} FOR EACH ROW "
        f"WHEN {_changed(d)} BEGIN {_delta_insert(d, 'OLD', '-1')}; {_delta_insert(d, 'NEW', '1')}; END",
    ]


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS supervise_figures_ins ON {DEMANDS}",
                f"DROP TRIGGER IF EXISTS supervise_figures_upd ON {DEMANDS}",
                "DROP FUNCTION IF EXISTS supervise_figures_delta()"]
    return [f"DROP TRIGGER IF EXISTS supervise_figures_{name}" for name in ("ins", "upd")]


def _sums() -> str:
    return ", ".join(f"SUM({c})" for c in VALUE_COLUMNS)


def compact(using: str = "default") -> int:
    """Fold the ledger into one row per key; returns the rows left. Safe beside concurrent writers and a second
    compaction: on PostgreSQL one statement moves exactly the rows it deletes."""
    connection = connections[using]
    ledger = MonthlyFigures.objects.using(using)
    group = "month, township_id, dim, value"
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH moved AS (DELETE FROM {TABLE} RETURNING *) "  # nosec B608
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT {group}, {_sums()} FROM moved "
                f"GROUP BY {group} HAVING SUM(received) <> 0")
        else:
            # SQLite writes one transaction at a time, so two statements see the same rows.
            last = ledger.aggregate(last=Max("id"))["last"]
            if last is None:
                return 0
            cursor.execute(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT {group}, {_sums()} FROM {TABLE} "  # nosec B608
                f"WHERE id <= %s GROUP BY {group} HAVING SUM(received) <> 0", [last])
            ledger.filter(id__lte=last).delete()
    return ledger.count()


def rebuild(using: str = "default") -> int:
    """Recompute the ledger from the demands (after a bulk load without triggers, or a category move)."""
    connection = connections[using]
    d = Dialect(connection.vendor)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Writers wait until the new ledger is in place, so no change falls between delete and insert.
            cursor.execute(f"LOCK TABLE {DEMANDS} IN SHARE MODE")
        MonthlyFigures.objects.using(using).all().delete()
        # The same expressions the triggers use, on each demand row, grouped: one pass per dimension.
        values = ", ".join(f"SUM({v})" for v in _values(d, "r", "1"))
        for dim in DIMENSIONS:
            cursor.execute(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "  # nosec B608
                f"SELECT {d.month('r.created_at')}, r.township_id, '{dim}', {_value(d, 'r', dim)}, {values} "
                f"FROM {DEMANDS} r GROUP BY 1, 2, 3, 4")
    return MonthlyFigures.objects.using(using).count()



@contextmanager
def suspended(using: str = "default"):
    """Bulk loads without the triggers, then one rebuild: 100,000 demo demands load in 50 s instead of 66 s on
    SQLite. Only while nothing else writes demands (the seed commands)."""
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

def _key(by: str, value: str):
    if by == "channel":
        return value
    return int(value) if value else None


def grouped(*, first_month: dt.date, last_month: dt.date, township_id: int | None, by: str, using="default"):
    """figures.Grouped (trend by month) for the whole months first_month..last_month, from the ledger."""
    # Every demand is in each dimension once: a township breakdown may sum any of them.
    dim = by if by in DIMENSIONS else "channel"
    key = "township_id" if by == "township" else "value"
    rows = MonthlyFigures.objects.using(using).filter(dim=dim, month__gte=first_month, month__lte=last_month)
    if township_id is not None:
        rows = rows.filter(township_id=township_id)
    rows = rows.order_by().values("month", key).annotate(**{c: Sum(c) for c in VALUE_COLUMNS}).values_list(
        "month", key, *VALUE_COLUMNS)
    total, trend, by_key = Counts(), {}, {}
    for month, value, *sums in rows:
        named = dict(zip(VALUE_COLUMNS, sums))
        counts = Counts(**{name: named[name] or 0 for name in COUNT_SQL},
                        accept_time=dt.timedelta(microseconds=named["accept_time_us"] or 0),
                        resolve_time=dt.timedelta(microseconds=named["resolve_time_us"] or 0))
        total.add(counts)
        trend.setdefault(month, Counts()).add(counts)
        by_key.setdefault(value if by == "township" else _key(by, value), Counts()).add(counts)
    return Grouped(total=total, trend=trend, rows=by_key)
