"""What the figure ledger (supervise/rollup.py: a row per slice and grain of supervise/registry.py) costs the writes
it follows.

In one process against the database in DATABASE_URL (seeded with places, e.g. `seed_bazhou`), alternating rounds
with the triggers installed and removed, each round receives N demands and walks each through classify, dispatch,
accept and resolve with the real services (5 writes per demand, 4 of them updates a figure depends on). Prints the
median time per demand of each and the ratio. The triggers are reinstalled and the ledger rebuilt at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_ledger DEBUG=1 .venv/bin/python bench/ledger_cost.py
        [--demands 100] [--rounds 5] [--smoke]

Measured 2026-11-23 (2 vCPU), medians of 5 rounds of 100 demands:
    PostgreSQL 15 (fresh database, seed_bazhou without demands): 37.2 ms with, 37.8 ms without, ratio 0.98;
    SQLite 3.40 (PORTAL_VAR_DIR with 100,000 demo demands, DATABASE_URL unset): 154.9 ms vs 152.7 ms, ratio 1.01.
The ledger's extra rows disappear in the noise beside the services' own work (locks, events, notifications).
Measured 2026-12-07 with the figure ledger of issue 14 (24 slices, 42 rows per new demand, one netted row per slice
and grain per change), PostgreSQL 15 on 2 vCPU shared with other test runs (load 4-7), 3 rounds of 40 demands:
172.0 ms with, 144.1 ms without, ratio 1.19 (1.66 before changes were netted per key into one statement).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "--smoke" in sys.argv:
    # The test suite's throwaway, migrated database (bench/_smoke.py), else a throwaway SQLite database of our own.
    if os.environ.get("SMOKE_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["SMOKE_DATABASE_URL"]
    else:
        import tempfile

        os.environ.pop("DATABASE_URL", None)
        os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="minsheng-bench-smoke-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["AUTO_DISPATCH_ENABLED"] = "0"  # every step by hand, the same in both arms

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def _smoke_world() -> None:
    """Places, categories, departments, the SLA policy, a district dispatcher and a handler, where they are missing."""
    from accounts.models import Role, User
    from demands.seed import seed_categories, seed_departments, seed_sla_policy
    from grids.seed import seed_places

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed_places()
    departments = seed_departments(seed_categories())
    seed_sla_policy()
    if not User.objects.filter(role=Role.DISPATCHER, township__isnull=True, is_active=True).exists() and (
            not User.objects.filter(username="bench_dispatcher").exists()):
        User.objects.create_user(username="bench_dispatcher", password=None, role=Role.DISPATCHER)
    department = next(d for d in departments.values() if d.categories.exists())
    if not User.objects.filter(role=Role.HANDLER, department=department, is_active=True).exists() and (
            not User.objects.filter(username="bench_handler").exists()):
        User.objects.create_user(username="bench_handler", password=None, role=Role.HANDLER, department=department)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demands", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="3 demands, 1 round, on a database it seeds minimally")
    args = parser.parse_args()
    if args.smoke:
        args.demands, args.rounds = 3, 1
        _smoke_world()

    from accounts.models import Role, User
    from demands import services
    from core.models import Department
    from demands.models import Category, DemandType, Outcome, Urgency
    from grids.models import Grid
    from supervise import rollup

    dispatcher = User.objects.filter(role=Role.DISPATCHER, township__isnull=True, is_active=True).first()
    department = (Department.objects.filter(categories__isnull=False, handlers__role=Role.HANDLER).distinct().first()
                  or Department.objects.filter(categories__isnull=False).first())
    handler = User.objects.filter(role=Role.HANDLER, department=department, is_active=True).first()
    category = department.categories.filter(parent__isnull=False).first() or Category.objects.filter(
        parent__isnull=False).first()
    grid = Grid.objects.select_related("community__township").first()
    if not (dispatcher and handler and grid):
        sys.exit("Seed the database first: python manage.py seed_bazhou")

    def walk_many() -> float:
        started = time.perf_counter()
        for n in range(args.demands):
            demand = services.demand_receive(actor=None, type=DemandType.HELP, content=f"巴州区江北街道路灯不亮第{n}处",
                                             township=grid.community.township, grid=grid)
            services.demand_classify(demand_id=demand.pk, actor=dispatcher, type=DemandType.HELP, category=category,
                                     urgency=Urgency.NORMAL, grid=grid)
            services.demand_dispatch(demand_id=demand.pk, actor=dispatcher, unit=department)
            services.demand_accept(demand_id=demand.pk, actor=handler)
            services.demand_resolve(demand_id=demand.pk, actor=handler, outcome=Outcome.SOLVED,
                                    reply="已安排维修人员更换灯具，路灯恢复照明。")
        return (time.perf_counter() - started) / args.demands

    def install(on: bool) -> None:
        with connection.cursor() as cursor:
            for statement in (rollup.install_sql if on else rollup.uninstall_sql)(connection.vendor):
                cursor.execute(statement)

    with_ledger, without = [], []
    walk_many()  # warm-up: imports, the classifier, caches
    try:
        for _ in range(args.rounds):
            install(True)
            with_ledger.append(walk_many())
            install(False)
            without.append(walk_many())
    finally:
        install(True)
        rollup.rebuild()
    a, b = statistics.median(with_ledger), statistics.median(without)
    print(f"{connection.vendor}: {args.rounds} rounds x {args.demands} demands (receive, classify, dispatch, accept, "
          f"resolve)")
    print(f"with the ledger triggers    median {a * 1000:6.1f} ms per demand")
    print(f"without                     median {b * 1000:6.1f} ms per demand")
    print(f"ratio                       {a / b:.3f}")


if __name__ == "__main__":
    main()
