"""GET /api/v1/demands/?page_size=50: server time of this checkout beside a baseline checkout, in one run.

Each side runs in its own worker process (its own code, the same database) with production settings (DEBUG off);
the parent asks the two workers for one request at a time, alternating, so load on the machine hits both alike.
Per case it prints medians of: wall time of the request through Django's test client (middleware, auth, filters,
query, serialisation, JSON), the worker's CPU time for it, the time spent in database calls and their count, and
from EXPLAIN (ANALYZE, SUMMARY) of the request's captured SELECTs, their planning and execution times.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench1m
    .venv/bin/python bench/api_list.py [--rounds 7] [--warmup 2] [--base /tmp/base | --no-base]
    .venv/bin/python bench/api_list.py --smoke    # a tiny SQLite database, one round, this checkout only

The workers' database sessions are read-only (default_transaction_read_only) and sign in with signed-cookie
sessions, so a run writes nothing: it may point at a shared benchmark database. The baseline is a checkout of an
earlier commit (default /tmp/base when it exists) reading the same database. Goal: ≤ 25 ms server time per list.

Measured 2026-12-07 on minsheng_bench1m (1,000,000 demands; 2 vCPU with a load average of 6 to 8 from other work,
PostgreSQL 15 with default settings), medians of 9 after 2 warm-ups, this checkout / the starting commit, ms:
    case                          server        cpu          plan of its SELECTs   queries
    dispatcher                    54 / 322      17 / 76      0.5 / 119             3 / 52
    district supervisor           45 / 333      16 / 93      0.5 / 66              3 / 52
    handler                       42 / 212      17 / 89      0.8 / 44              3 / 52
    status=dispatched             53 / 353      18 / 86      0.8 / 50              3 / 52
    category (top level)          54 / 333      18 / 96      0.7 / 51              4 / 52
    status=closed&category       110 / 4552     25 / 91      1.5 / 183             4 / 52
Rows identical to the baseline's in every case. On this busy machine the wall time is about three times the CPU
time on both sides (every database round trip waits for a CPU), so the goal is only met in CPU time here. The last
case reads the newest demands backwards until 50 closed ones turn up (recent demands are mostly open).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.025
PAGE = {"page_size": "50"}
# Production settings (DEBUG off whatever the shell says: its query log would be measured too) without HTTPS
# redirects, as the test client speaks plain HTTP, and without a broker.
WORKER_ENV = {"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "portal.settings", "SECURE_SSL_REDIRECT": "0",
              "ALLOWED_HOSTS": "testserver"}
WORKER_DEFAULTS = {"SECRET_KEY": "bench-only", "CELERY_BROKER_URL": "memory://", "LOG_LEVEL": "WARNING"}


# --- worker: one checkout's code, answering one JSON line per command ----------------------------------------------

class Worker:
    def __init__(self, *, read_only: bool):
        import django
        from django.conf import settings

        warnings.filterwarnings("ignore", "No directory at")  # whitenoise, when static files were never collected
        django.setup()
        from django.db import connection

        if read_only and connection.vendor == "postgresql":
            connection.settings_dict.setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"
        # Sessions in a signed cookie: signing in writes no session row, so the run stays read-only.
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
        self.connection = connection
        self.clients = {}

    def client(self, username):
        from importlib import import_module

        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.test import Client
        from django.utils.module_loading import import_string

        from accounts.models import User

        if username not in self.clients:
            user = User.objects.get(username=username)
            # What Client.force_login stores, without the login signal (it would write last_login).
            session = import_module(settings.SESSION_ENGINE).SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = next(path for path in settings.AUTHENTICATION_BACKENDS
                                                if hasattr(import_string(path), "get_user"))
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
            self.clients[username] = client
        return self.clients[username]

    def request(self, username, params):
        client = self.client(username)
        db = [0.0, 0]

        def timed_call(execute, sql, params_, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params_, many, context)
            finally:
                db[0] += time.perf_counter() - started
                db[1] += 1

        with self.connection.execute_wrapper(timed_call):
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.get("/api/v1/demands/", {**PAGE, **params})
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        return {"wall": wall, "cpu": cpu, "db": db[0], "queries": db[1], "rows": len(body["results"]),
                "ids": [row["id"] for row in body["results"]], "results": body["results"]}

    def explain(self, username, params, repeat=3):
        """Planning and execution time of the request's SELECTs, summed, medians of `repeat` EXPLAINs each."""
        from django.test.utils import CaptureQueriesContext

        if self.connection.vendor != "postgresql":
            return {"plan": None, "exec": None}
        with CaptureQueriesContext(self.connection) as captured:
            self.client(username).get("/api/v1/demands/", {**PAGE, **params})
        selects = [q["sql"] for q in captured.captured_queries
                   if q["sql"].startswith("SELECT") and "django_session" not in q["sql"]]
        plans, runs = [], []
        with self.connection.cursor() as cursor:
            for _ in range(repeat):
                plan = run = 0.0
                for sql in selects:
                    cursor.execute(f"EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) {sql}")
                    out = cursor.fetchone()[0]
                    out = json.loads(out) if isinstance(out, str) else out
                    plan += out[0]["Planning Time"] / 1000
                    run += out[0]["Execution Time"] / 1000
                plans.append(plan)
                runs.append(run)
        return {"plan": statistics.median(plans), "exec": statistics.median(runs)}


def worker_main(root: str) -> None:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the project prints goes to stderr, not into the protocol
    sys.path.insert(0, root)
    os.chdir(root)
    worker = Worker(read_only=True)
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "request":
            answer = worker.request(command["user"], command["params"])
        elif command["op"] == "explain":
            answer = worker.explain(command["user"], command["params"])
        else:
            break
        out.write(json.dumps(answer, default=str) + "\n")


class LocalSide:
    """The smoke run's side: this checkout in the parent process, which saves starting a worker."""

    def __init__(self, name, read_only):
        self.name = name
        self.worker = Worker(read_only=read_only)

    def ask(self, op, **command):
        return getattr(self.worker, op)(command["user"], command["params"])

    def close(self):
        pass


class Side:
    def __init__(self, name, root, env):
        self.name = name
        args = [sys.executable, str(Path(__file__).resolve()), "--worker", str(root)]
        self.process = subprocess.Popen(args, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1)
        self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker stopped (see its messages above)")
        return json.loads(line)

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        return self._read()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)


# --- parent ---------------------------------------------------------------------------------------------------------

def cases(category_code):
    return [
        ("dispatcher (district)", "dispatcher", {}),
        ("supervisor (district)", "supervisor", {}),
        ("handler (one department)", "handler", {}),
        ("dispatcher, status=dispatched", "dispatcher", {"status": "dispatched"}),
        (f"dispatcher, category={category_code}", "dispatcher", {"category": category_code}),
        (f"dispatcher, status=closed&category={category_code}", "dispatcher",
         {"status": "closed", "category": category_code}),
    ]


def describe_database():
    """Size of the database and the busiest top-level category, read with this checkout's code."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    if connection.vendor == "postgresql":
        connection.settings_dict.setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"

    from demands.models import Category, Demand

    total = Demand.objects.count()
    busiest = (Demand.objects.filter(category__parent__isnull=False).values("category__parent")
               .annotate(n=Count("id")).order_by("-n").first())
    code = Category.objects.get(pk=busiest["category__parent"]).code if busiest else "none"
    name = connection.settings_dict["NAME"]
    connection.close()
    return name, total, code


def seed_smoke(path: Path) -> None:
    """A throwaway SQLite database: the tables straight from the models, the demo's places and users, a few demands."""
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["REDIS_URL"] = ""  # the process's own memory cache: a smoke run touches no shared service
    import django

    django.setup()
    from django.db import connection

    from demands.demo import generate_demands
    from demands.seed import seed_categories, seed_departments, seed_sla_policy
    from deputies.seed import seed_deputies
    from grids.seed import seed_places
    from portal.seed_accounts import seed_users
    from supervise import rollup

    # Tables from the models as the test suite builds them, much faster than replaying every migration.
    connection.settings_dict["TEST"] = {"NAME": str(path), "MIGRATE": False}
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    seed_places()
    seed_departments(seed_categories())
    seed_sla_policy()
    seed_deputies()
    seed_users("bench-only")
    with rollup.suspended():
        generate_demands(120)
    connection.close()


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ms(value):
    return "    -" if value is None else f"{value * 1000:5.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--base", default="/tmp/base", help="checkout to measure beside this one")
    parser.add_argument("--no-base", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny SQLite database, one round, this checkout only")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.update(WORKER_ENV)
    for key, value in WORKER_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if args.worker:
        return worker_main(args.worker)

    sys.path.insert(0, str(ROOT))
    tmp = None
    if args.smoke:
        tmp = tempfile.TemporaryDirectory(prefix="bench-api-list-")
        seed_smoke(Path(tmp.name) / "smoke.sqlite3")
        args.rounds, args.warmup, args.no_base = 1, 1, True
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a seeded PostgreSQL database (or run --smoke).")
    name, total, category = describe_database()
    print(f"database {name}: {total:,} demands; {args.warmup} warm-up + {args.rounds} measured rounds, medians; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    env = dict(os.environ)
    sides = [LocalSide("this checkout", read_only=False) if args.smoke else Side("this checkout", ROOT, env)]
    base = Path(args.base)
    if not args.no_base and (base / "manage.py").exists():
        sides.append(Side(f"baseline {base}", base, env))
    try:
        measured = {(case, side.name): [] for case, *_ in cases(category) for side in sides}
        last = {}
        for round_no in range(args.warmup + args.rounds):
            for case, user, params in cases(category):
                order = sides if round_no % 2 == 0 else sides[::-1]
                for side in order:
                    answer = side.ask(op="request", user=user, params=params)
                    last[case, side.name] = answer
                    if round_no >= args.warmup:
                        measured[case, side.name].append(answer)
        plans = {(case, side.name): side.ask(op="explain", user=user, params=params)
                 for case, user, params in cases(category) for side in sides}
    finally:
        for side in sides:
            side.close()
        if tmp is not None:
            tmp.cleanup()

    print("times in ms: server = wall time of the request in-process; cpu = its process CPU time; db = time in "
          "database calls (n = calls); plan/exec = EXPLAIN ANALYZE of its SELECTs")
    header = f"{'case':<50} {'side':<9} {'server':>6} {'cpu':>6} {'db':>6} {'n':>3} {'plan':>6} {'exec':>6} rows"
    print(header)
    for case, *_ in cases(category):
        figures = {}
        for side in sides:
            runs = measured[case, side.name]
            wall = median([r["wall"] for r in runs])
            figures[side.name] = wall
            plan = plans[case, side.name]
            label = "this" if side is sides[0] else "baseline"
            print(f"{case:<50} {label:<9} {ms(wall):>6} {ms(median([r['cpu'] for r in runs])):>6} "
                  f"{ms(median([r['db'] for r in runs])):>6} {runs[-1]['queries']:>3} {ms(plan['plan']):>6} "
                  f"{ms(plan['exec']):>6} {runs[-1]['rows']}")
        ours = figures[sides[0].name]
        verdict = "ok" if ours <= GOAL else "MISSED"
        line = f"{'':<50} goal ≤ {GOAL * 1000:.0f} ms {verdict}"
        if len(sides) > 1:
            theirs = figures[sides[1].name]
            same_ids = last[case, sides[0].name]["ids"] == last[case, sides[1].name]["ids"]
            same_rows = last[case, sides[0].name]["results"] == last[case, sides[1].name]["results"]
            line += (f"; baseline / this = {theirs / ours:.1f}x; same demands in the same order: "
                     f"{'yes' if same_ids else 'NO'}; identical rows: {'yes' if same_rows else 'no'}")
        print(line)
    if args.smoke:
        print("smoke run: the figures above only show that the benchmark works")


if __name__ == "__main__":
    main()
