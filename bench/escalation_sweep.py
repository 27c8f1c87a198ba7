"""Escalation sweep cost against the number of demands stored (issue: deadlines and escalation).

Loads 1,000,000 demands into a throwaway PostgreSQL database (test_<name of DATABASE_URL>), 1,000 of them due
for escalation, and times one sweep; then the same with 100,000 stored. Both sizes run in this one process,
side by side, several rounds each, and the medians are printed with their ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench python bench/escalation_sweep.py [--sizes 1000000 100000] [--rounds 5]
    ... bench/escalation_sweep.py --smoke    # 300 and 100 stored, 20 due, one round: shows the benchmark still runs

--smoke uses the test suite's throwaway database as it is (bench/_smoke.py) instead of making test_<name>.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
# Deliveries are published to an in-memory broker, as they would go to Redis, not run inside the sweep.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

from bench._smoke import postgres_url  # noqa: E402

GIVEN = postgres_url() if "--smoke" in sys.argv else None
if GIVEN:
    os.environ["DATABASE_URL"] = GIVEN  # read by the settings, so before django.setup()

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

DUE, SMOKE_DUE = 1000, 20


def load(total: int, due: int, township_id: int, grid_id: int, department_id: int) -> None:
    """Rows straight from generate_series: the sweep only reads demand columns, so no events are needed."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE demands_supervisionorder, demands_demandevent, demands_demand RESTART IDENTITY CASCADE")
        cursor.execute(
            """
            INSERT INTO demands_demand (
                tracking_code, channel, type, urgency, content, address, township_id, grid_id, contact_name,
                contact_phone, is_public, external_id, status, unit_department_id, at_district_centre, return_count,
                rework_count, dissatisfied_count, flagged, dispatched_at, accept_deadline, resolve_deadline, warn_at,
                supervise_at, escalation_level, accept_reminded, rating_reminders_sent, extension_used,
                resolved_by_grid, outcome, reply, rating_token, rating, rating_comment, created_at, updated_at,
                verified_at, closed_at, category_id, reply_flags, suggested_type, media_url, zipcode, answered_in_24h,
                callback_due, callback_reached, callback_compared, callback_agrees)
            SELECT
                'B' || lpad(g::text, 17, '0'), 'web', 'help', 'normal', '路灯不亮', '', %(t)s, %(g)s, '', '', false, '',
                CASE WHEN g <= %(due)s THEN 'accepted' WHEN g %% 10 = 0 THEN 'accepted' ELSE 'closed' END,
                %(d)s, false, 0, 0, 0, false,
                now() - interval '10 days',
                now() - interval '9 days',
                CASE WHEN g <= %(due)s THEN now() + interval '1 day' ELSE now() + interval '30 days' END,
                CASE WHEN g <= %(due)s THEN now() - interval '1 hour' ELSE now() + interval '20 days' END,
                now() + interval '31 days',
                CASE WHEN g <= %(due)s OR g %% 10 = 0 THEN 0 ELSE 3 END,
                true, 0, false, false, '', '', '', '', '',
                now() - interval '10 days', now() - interval '10 days', NULL, NULL, NULL, '[]'::jsonb, '', '', '', false,
                false, false, false, false
            FROM generate_series(1, %(n)s) AS g
            """,
            {"n": total, "due": due, "t": township_id, "g": grid_id, "d": department_id},
        )
        cursor.execute("ANALYZE demands_demand")


def sweep_once() -> tuple[float, int, dict]:
    from demands.escalation import escalation_sweep

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = escalation_sweep()
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), result


def reset_due(due: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification")
        cursor.execute("DELETE FROM notifications_outboundmessage")
        cursor.execute("DELETE FROM demands_supervisionorder")
        cursor.execute("DELETE FROM demands_demandevent")
        cursor.execute("UPDATE demands_demand SET escalation_level = 0 WHERE id <= %s", [due])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 100_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round: the test suite's check")
    args = parser.parse_args()
    due = DUE
    if args.smoke:
        args.sizes, args.rounds, due = [300, 100], 1, SMOKE_DUE
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark measures the deployment database.")

    from portal.celery import app

    app.conf.task_always_eager = False
    old = None if GIVEN else setup_databases(verbosity=0, interactive=False)
    try:
        from accounts.models import Role
        from tests.factories import DepartmentFactory, GridFactory, UserFactory

        grid = GridFactory()
        department = DepartmentFactory()
        # Somebody to tell: each warning writes an inbox row and queues a message for the unit's handler.
        UserFactory(username="bench-handler", role=Role.HANDLER, department=department)
        results = {}
        for size in args.sizes:
            t0 = time.perf_counter()
            load(size, due, grid.township_id, grid.pk, department.pk)
            print(f"loaded {size:,} demands ({due:,} due) in {time.perf_counter() - t0:.1f} s", flush=True)
            times, counts = [], []
            for _ in range(args.rounds):
                reset_due(due)
                elapsed, n_queries, result = sweep_once()
                assert result["levels"] == due, result
                times.append(elapsed)
                counts.append(n_queries)
            results[size] = statistics.median(times)
            from notifications.models import Notification

            assert Notification.objects.count() == due
            print(f"  stored {size:>9,}: sweep median {results[size]:.3f} s over {args.rounds} rounds "
                  f"(min {min(times):.3f}, max {max(times):.3f}), {counts[0]:,} queries, {due:,} levels applied",
                  flush=True)
        if len(results) == 2:
            (big, t_big), (small, t_small) = sorted(results.items(), reverse=True)
            print(f"ratio {big:,} / {small:,} stored: {t_big / t_small:.2f}")
    finally:
        if old is not None:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
