"""Dashboard and workbench list timings against a seeded PostgreSQL database (issue: dashboards and figures).

Against the database in DATABASE_URL, seeded once with `python manage.py seed_bazhou --demands 1000000`, this
measures side by side in one process, 2 warm-up rounds then 7 measured rounds each, and prints the medians:

(a) GET /api/v1/dashboard/ through the Django test client (middleware, session auth, view, JSON) as the district
    supervisor, whole district, the last 365 days (breakdown by township, trend by month);
(b) the single hand-written SQL aggregate the headline figures need over the demands themselves, via
    connection.cursor, and the ratio (a) / (b);
(d) the hand-written SQL of what the dashboard actually reads: the monthly figures ledger for the whole months,
    the partial first month from the demands, and the overdue board; and the ratio (a) / (d);
(c) GET /staff/?tab=all, the workbench list, as the district dispatcher.

Goals: (a) ≤ 300 ms, (a)/(b) ≤ 2, (c) ≤ 200 ms. Nothing is cached between rounds: each request computes.

    createdb -h 127.0.0.1 -U postgres minsheng_bench1m
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench1m DEBUG=1
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_bazhou --demands 1000000
    psql -h 127.0.0.1 -U postgres -d minsheng_bench1m -c "VACUUM ANALYZE"   # as autovacuum would, after a bulk load
    .venv/bin/python bench/dashboard.py [--rounds 7] [--warmup 2] [--explain]

Measured 2026-11-23 (2 vCPU, PostgreSQL 15 with default settings, shared_buffers 128 MB; 1,000,000 demands, all
received in the last 365 days; seeding took 27 min on a busy machine, then VACUUM ANALYZE), medians:
    (a) dashboard 82.5 ms (10 queries), (b) raw aggregate over the demands 373 ms, ratio (a)/(b) 0.22,
    (d) raw SQL of the ledger path 52.3 ms, ratio (a)/(d) 1.58, (c) workbench list 92.8 ms.
History: 910 ms at first; 439 ms with one grouped query, trend-bucket statistics, a partial covering index for the
overdue board and JIT off, still reading every demand of the year. Now whole months come from the ledger
(supervise/rollup.py: 264 groups for the year instead of a million rows), only the days of the first, partial
month (about 12,000 demands) from the demands table, grouped by the breakdown key alone.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

RAW_AGGREGATE = """
SELECT count(*) AS received,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE status = 'closed' AND outcome = 'solved') AS closed_solved,
       count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE resolved_at IS NOT NULL AND resolve_deadline IS NOT NULL
                        AND resolved_at <= resolve_deadline) AS on_time,
       count(*) FILTER (WHERE rating <> '') AS rated,
       count(*) FILTER (WHERE rating IN ('satisfied', 'basically_satisfied')) AS satisfied,
       count(*) FILTER (WHERE outcome = 'solved') AS solved,
       count(*) FILTER (WHERE outcome = 'solved' AND resolved_by_grid AND unit_department_id IS NULL) AS solved_locally,
       count(*) FILTER (WHERE resolved_at IS NOT NULL AND rework_count > 0) AS reworked,
       count(*) FILTER (WHERE accepted_at IS NOT NULL AND dispatched_at IS NOT NULL) AS accepted,
       sum(accepted_at - dispatched_at) FILTER (WHERE accepted_at IS NOT NULL AND dispatched_at IS NOT NULL),
       sum(resolved_at - created_at) FILTER (WHERE resolved_at IS NOT NULL)
FROM demands_demand
WHERE created_at >= %(start)s AND created_at < %(end)s
"""


LEDGER_AGGREGATE = """
SELECT month, township_id, sum(received), sum(closed), sum(closed_solved), sum(resolved), sum(on_time), sum(rated),
       sum(satisfied), sum(solved), sum(solved_locally), sum(reworked), sum(accepted), sum(accept_time_us),
       sum(resolve_time_us)
FROM supervise_monthlyfigures
WHERE dim = 'channel' AND month >= %(first)s AND month <= %(last)s
GROUP BY month, township_id
"""


BOARD_AGGREGATE = """
SELECT count(*) FILTER (WHERE resolve_deadline < now()), count(*) FILTER (WHERE escalation_level = 1),
       count(*) FILTER (WHERE escalation_level = 2), count(*) FILTER (WHERE escalation_level = 3)
FROM demands_demand
WHERE status IN ('dispatched', 'accepted')
"""


def timed(fn, rounds: int, warmup: int) -> tuple[float, list[float], object]:
    for _ in range(warmup):
        fn()
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the dashboard's queries")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to the seeded PostgreSQL database: the benchmark measures the deployment database.")

    from accounts.models import User
    from demands.models import Demand
    from supervise.selectors import local_day_start

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    supervisor = User.objects.get(username="supervisor", township__isnull=True)
    dispatcher = User.objects.get(username="dispatcher", township__isnull=True)
    today = timezone.localdate()
    date_from = today - dt.timedelta(days=364)
    start, end = local_day_start(date_from), local_day_start(today + dt.timedelta(days=1))
    total = Demand.objects.count()
    rows = Demand.objects.filter(created_at__gte=start, created_at__lt=end).count()
    print(f"database {connection.settings_dict['NAME']}: {total:,} demands, {rows:,} received {date_from} to {today}")

    boss, clerk = Client(), Client()
    boss.force_login(supervisor)
    clerk.force_login(dispatcher)
    params = {"date_from": date_from.isoformat(), "date_to": today.isoformat()}

    def dashboard():
        response = boss.get("/api/v1/dashboard/", params)
        assert response.status_code == 200, response.content[:300]
        return response

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_AGGREGATE, {"start": start, "end": end})
            return cursor.fetchone()

    from supervise.selectors import DashboardFilters, _whole_months

    first_month, last_month = _whole_months(DashboardFilters(date_from=date_from, date_to=today))
    edge_end = local_day_start(first_month)

    def ledger_path():
        # The hand-written SQL of what the dashboard reads: whole months from the ledger, the partial first
        # month from the demands, and the overdue board.
        with connection.cursor() as cursor:
            cursor.execute(LEDGER_AGGREGATE, {"first": first_month, "last": last_month})
            months = cursor.fetchall()
            cursor.execute(RAW_AGGREGATE, {"start": start, "end": edge_end})
            edge = cursor.fetchone()
            cursor.execute(BOARD_AGGREGATE)
            return months, edge, cursor.fetchone()

    def workbench():
        response = clerk.get("/staff/", {"tab": "all"})
        assert response.status_code == 200
        return response

    with CaptureQueriesContext(connection) as captured:
        dashboard()
    dashboard_queries = len(captured)
    with CaptureQueriesContext(connection) as captured:
        workbench()
    list_queries = len(captured)

    t_dash, dash_times, response = timed(dashboard, args.rounds, args.warmup)
    t_raw, raw_times, raw_row = timed(raw, args.rounds, args.warmup)
    t_ledger, ledger_times, (ledger_rows, edge_row, _board) = timed(ledger_path, args.rounds, args.warmup)
    t_list, list_times, _ = timed(workbench, args.rounds, args.warmup)

    data = response.json()
    f = data["figures"]
    assert f["received"]["value"] == raw_row[0] and f["closed"]["value"] == raw_row[1], (f, raw_row)
    print("figures:", json.dumps({k: f[k]["value"] for k in ("received", "closed", "resolved", "solved")},
                                 ensure_ascii=False),
          json.dumps({k: f[k]["display"] for k in ("resolution_rate", "on_time_rate", "satisfaction",
                                                   "rating_coverage", "local_resolution", "rework_rate",
                                                   "mean_time_to_accept", "mean_time_to_resolve")},
                     ensure_ascii=False),
          f"overdue now {data['board']['overdue']['value']:,}")

    def line(name, median, times, goal=None, extra=""):
        verdict = "" if goal is None else f"  goal ≤ {goal * 1000:.0f} ms {'ok' if median <= goal else 'MISSED'}"
        print(f"{name:<44} median {median * 1000:7.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"
              f"{verdict}{extra}")

    print(f"rounds: {args.warmup} warm-up + {args.rounds} measured, medians")
    line("(a) GET /api/v1/dashboard/ (district supervisor)", t_dash, dash_times, 0.300,
         f", {dashboard_queries} queries")
    line("(b) raw SQL aggregate over the demands", t_raw, raw_times)
    ratio = t_dash / t_raw
    print(f"{'    ratio (a)/(b)':<44} {ratio:.2f}  goal ≤ 2 {'ok' if ratio <= 2 else 'MISSED'}")
    line("(d) raw SQL of the ledger path and board", t_ledger, ledger_times,
         extra=f", {len(ledger_rows)} ledger groups {first_month:%Y-%m}..{last_month:%Y-%m} + edge month + board")
    ratio_d = t_dash / t_ledger
    print(f"{'    ratio (a)/(d)':<44} {ratio_d:.2f}  goal ≤ 2 {'ok' if ratio_d <= 2 else 'MISSED'}")
    ledger_received = sum(row[2] for row in ledger_rows) + edge_row[0]
    assert ledger_received == raw_row[0], (ledger_received, raw_row[0])
    line("(c) GET /staff/?tab=all (district dispatcher)", t_list, list_times, 0.200, f", {list_queries} queries")

    if args.explain:
        from supervise import figures
        from supervise.selectors import DashboardFilters, period_demands

        qs = period_demands(supervisor, DashboardFilters(date_from=date_from, date_to=today))
        grouped = (qs.order_by().values(bucket=figures.GRANULARITIES["month"]("created_at",
                                                                              tzinfo=timezone.get_current_timezone()),
                                        key=figures.BREAKDOWN_KEYS["township"]).annotate(**figures.AGGREGATES))
        from django.db import transaction

        with transaction.atomic():  # as figures.grouped runs it
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            print(grouped.explain(analyze=True, buffers=True))
        board = period_demands(supervisor, DashboardFilters(date_from=date_from, date_to=today)).model.objects.filter(
            status__in=figures.HANDLING).values("escalation_level").annotate(n=figures.Count("escalation_level"))
        print(board.explain(analyze=True))


if __name__ == "__main__":
    main()
