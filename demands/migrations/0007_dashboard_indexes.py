"""Read-only helpers for the dashboard's figures (supervise.figures) on PostgreSQL; nothing changes for SQLite.

- demand_board: open demands held by a unit by escalation level and deadline (the overdue board's counts and
  its oldest rows).
- statistics on the trend buckets (created_at truncated to the local day, week and month), so that the planner
  knows a year holds about 12 months, not a million, and groups by hashing in memory instead of sorting on disk.

(A covering index of the figure columns was tried and left out: with 1,000,000 demands the grouped query
cost the same through it as through the table, the hashing dominates; it would only have slowed every write.)

Indexes are built CONCURRENTLY (no write lock on a live table), hence a non-atomic migration. They are raw SQL,
not Meta.indexes: the model state does not change, so makemigrations has nothing to add or remove.
"""

from django.conf import settings
from django.db import migrations

HANDLING = "('dispatched', 'accepted')"
BOARD_COLUMNS = "status, township_id, grid_id, category_id, unit_department_id, channel"


def _statements():
    tz = settings.TIME_ZONE.replace("'", "")
    yield (f"CREATE INDEX CONCURRENTLY IF NOT EXISTS demand_board ON demands_demand (escalation_level, "
           f"resolve_deadline) INCLUDE ({BOARD_COLUMNS}) WHERE status IN {HANDLING}")
    for unit in ("day", "week", "month"):
        yield (f"CREATE STATISTICS IF NOT EXISTS demand_created_{unit} "
               f"ON (DATE_TRUNC('{unit}', created_at AT TIME ZONE '{tz}')) FROM demands_demand")
    yield "ANALYZE demands_demand"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in _statements():
            cursor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for unit in ("day", "week", "month"):
            cursor.execute(f"DROP STATISTICS IF EXISTS demand_created_{unit}")
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS demand_board")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("demands", "0006_classifier_and_reply_quality")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
