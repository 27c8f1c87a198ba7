"""Proof under fire: 1,000 concurrent demand submissions against gunicorn + PostgreSQL + Redis, then chaos.

Builds its own PostgreSQL database (default minsheng_load, dropped and recreated for each mode), migrates,
seeds the Bazhou world without demands, collects static files and trains the classifier into a scratch folder,
and starts gunicorn (gthread) on a free port with DEBUG=0, generous anonymous limits and plain-http cookies.
Redis (db 9 by default) is the broker and the cache, as in docker-compose.yml.

plain  1,000 submissions at once from a pool of client threads: half POST /api/v1/demands/ (JSON, anonymous),
       half the resident's page form (GET /submit/ for a fresh CSRF cookie and token, then POST, 302 to the
       receipt). Then it proves in the database: exactly 1,000 new demands, exactly one "receive" event each,
       every returned tracking code present, 500 per channel, and no 5xx. Prints throughput and p50/p95/p99/max.
chaos  The same 1,000 submissions paced over ~40 s while a real Celery worker and beat run (sweeps every 2 s)
       over overdue demands whose escalation moments fall before, during and after the faults: the worker is
       killed with SIGKILL and restarted twice, and Redis is shut down (nosave: every queued task is lost) and
       started again. Proves: every accepted submission (2xx/302 with a tracking code) is in the database with
       its receive event, no demand exists that the client was not told about, and every overdue demand reaches
       its expected escalation level with each level's event, supervision order and staff notification written
       exactly once, and every outbound message delivered, within a timeout.

    PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), Redis at 127.0.0.1:6379 (restarted by chaos mode).
    .venv/bin/python bench/load.py [--mode both|plain|chaos] [--submissions 1000] [--clients 200]
        [--workers 4] [--threads 4] [--db minsheng_load] [--redis-db 9] [--overdue 150] [--flow-seconds 40]
    .venv/bin/python bench/load.py --smoke    # plain mode, 20 submissions, 1 worker: shows the benchmark still runs

--smoke never starts or stops Redis (without it the cache and the broker stay in memory), works in a scratch folder
of its own, uses the test suite's throwaway database as it is (bench/_smoke.py: SQLite in its SQLite run) or else
creates and drops --db, reuses the classifier in CLASSIFIER_PATH when that file exists and collects no static files.

Measured 2026-11-23 with `.venv/bin/python bench/load.py` (both modes, 2 min 40 s in all; 2 vCPU shared with
other jobs, load average 2.8 before the run; PostgreSQL 15, Redis 7.0, gunicorn 27 gthread 4 workers x 4 threads,
the 200 client threads on the same machine):
  plain  1,000 of 1,000 accepted (500 API 201, 500 form 302) in 19.1 s = 52 submissions/s; 1,000 rows, 1,000 receive
         events, every code stored, 148 dispatched at once by the routing rules; 0 5xx, 0 dropped connections.
         POST latency p50 2.3 s, p95 4.1 s, p99 4.5 s, max 4.8 s (all 1,000 arrive at once: mostly time queued
         behind the 16 server threads); GET /submit/ p50 2.4 s.
  chaos  1,000 of 1,000 accepted over 40.0 s (25/s) through kill -9 of the worker at 6 s (back at 10 s), Redis
         shut down at 16 s (back at 22 s: the 175 submissions sent meanwhile were all accepted), kill -9 at 28 s
         (back at 30 s); 0 5xx. POST p50 15 ms, p95 86 ms, p99 256 ms, max 786 ms. 1,000 rows, 1,000 receive
         events, no unreported row. The web tier skipped 150 limit checks and could not publish 21 tasks while Redis
         was down. 150 overdue demands (50 each owing levels 1, 1-2, 1-3) converged 42 s into the flow: 300
         escalation events, 50 supervision orders, no duplicate, every notification written; escalation lag median
         1.5 s, max 7.6 s. All 1,493 outbound messages delivered 83 s into the flow (the outbound sweep takes the
         lost ones once a minute old).
  Under heavier sharing (load average 6-12 from other jobs) the same checks passed at 27-39 submissions/s plain.
Before the fix in portal/ratelimit.py (the anonymous limits now let a request through when the cache cannot be
reached), chaos mode gave 210 of 1,000 submissions a 500: every page and API submission that reached the web tier
while Redis was down, from redis.exceptions.ConnectionError in the throttle's cache.add/cache.get.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
SCRATCH = Path("/tmp/minsheng_load")
FORBIDDEN_DB = "minsheng_bench1m"  # the 1M-row benchmark database: never touched
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RECEIPT = re.compile(r"/track/([^/]+)/receipt/")

from bench._smoke import database_url  # noqa: E402


# ---------------------------------------------------------------- processes and services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(dsn: str, sql: str) -> None:
    subprocess.run(["psql", f"{dsn}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   capture_output=True)


def manage(env, *args) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Proc:
    """A child in its own process group, so a kill reaches the pool processes it forked too."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.popen = None
        self.start()

    def start(self):
        out = open(self.log, "a")
        self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        out.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self):
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()

    def stop(self, timeout: float = 15):
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill9()
        # Children that outlived their leader (a prefork pool) still share its group.
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def redis_ping() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_stop() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    for _ in range(50):
        if not redis_ping():
            return
        time.sleep(0.1)


def redis_start() -> None:
    if redis_ping():
        return
    subprocess.run(REDIS_START, check=False, capture_output=True)
    for _ in range(100):
        if redis_ping():
            return
        time.sleep(0.1)
    raise RuntimeError("Redis did not come back")


def redis_flush(db: int) -> None:
    subprocess.run(["redis-cli", "-p", "6379", "-n", str(db), "flushdb"], capture_output=True)


def wait_http(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


# ---------------------------------------------------------------- the world, through Django in this process


def django_setup(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def world() -> dict:
    from demands.demo_content import DEMAND_TEXTS, GIVEN_NAMES, LANDMARKS, SURNAMES
    from grids.models import Community, Grid, Township

    townships = list(Township.objects.values("pk", "code"))
    communities = {}
    for c in Community.objects.values("pk", "code", "name", "township_id"):
        communities.setdefault(c["township_id"], []).append(c)
    grids = {}
    for g in Grid.objects.values("pk", "code", "community_id"):
        grids.setdefault(g["community_id"], []).append(g)
    texts = [(kind, text) for entries in DEMAND_TEXTS.values() for kind, text in entries]
    return {"townships": townships, "communities": communities, "grids": grids, "texts": texts, "landmarks": LANDMARKS,
            "surnames": SURNAMES, "given": GIVEN_NAMES}


def make_submission(w: dict, rng: random.Random, n: int) -> dict:
    """One resident's demand: a demo text about a real place, a name and a mobile number."""
    township = rng.choice(w["townships"])
    community = rng.choice(w["communities"].get(township["pk"]) or [None])
    # Most residents narrow down to a grid: with a confident suggestion the demand is dispatched at once
    # (docs/lifecycles.md#intake-and-routing), which notifies the unit through the broker.
    grid = rng.choice(w["grids"].get(community["pk"]) or [None]) if community and rng.random() < 0.7 else None
    kind, text = rng.choice(w["texts"])
    content = text.format(community=community["name"] if community else "我们村", landmark=rng.choice(w["landmarks"]))
    return {"id": str(n), "kind": "api" if n % 2 == 0 else "form", "type": kind, "content": content,
            "township": township,
            "community": community if grid or rng.random() < 0.5 else None, "grid": grid,
            "contact_name": rng.choice(w["surnames"]) + rng.choice(w["given"]),
            "contact_phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "address": f"{rng.choice(w['landmarks'])}附近", "is_public": rng.random() < 0.3}


# ---------------------------------------------------------------- clients


def submit_api(port: int, s: dict) -> dict:
    body = {"type": s["type"], "content": s["content"], "township": s["township"]["code"],
            "contact_name": s["contact_name"], "contact_phone": s["contact_phone"], "address": s["address"],
            "is_public": s["is_public"]}
    if s["community"]:
        body["community"] = s["community"]["code"]
    if s["grid"]:
        body["grid"] = s["grid"]["code"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request("POST", "/api/v1/demands/", body=json.dumps(body, ensure_ascii=False).encode(),
                     headers={"Content-Type": "application/json", "Accept": "application/json",
                              "X-Load-Id": s["id"]})
        response = conn.getresponse()
        payload = response.read()
        latency = time.perf_counter() - started
        code = None
        if response.status in (200, 201):
            code = json.loads(payload).get("tracking_code")
        return {"status": response.status, "latency": latency, "code": code, "page": None,
                "body": payload[:300].decode(errors="replace") if response.status >= 400 else ""}
    finally:
        conn.close()


def submit_form(port: int, s: dict) -> dict:
    """A fresh browser: load the page (CSRF cookie and token), then post the form; 302 to the receipt."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    origin = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        conn.request("GET", "/submit/", headers={"Accept": "text/html", "X-Load-Id": s["id"]})
        response = conn.getresponse()
        html = response.read().decode(errors="replace")
        page = time.perf_counter() - started
        if response.status != 200:
            return {"status": response.status, "latency": page, "code": None, "page": page, "body": html[:300]}
        cookie = next((c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or []
                       if c.startswith("csrftoken=")), "")
        token = CSRF_INPUT.search(html)
        if not cookie or not token:
            return {"status": 0, "latency": page, "code": None, "page": page, "body": "no CSRF cookie or token"}
        fields = {"csrfmiddlewaretoken": token.group(1), "type": s["type"], "content": s["content"],
                  "township": s["township"]["pk"], "address": s["address"], "contact_name": s["contact_name"],
                  "contact_phone": s["contact_phone"]}
        if s["community"]:
            fields["community"] = s["community"]["pk"]
        if s["grid"]:
            fields["grid"] = s["grid"]["pk"]
        if s["is_public"]:
            fields["is_public"] = "on"
        started = time.perf_counter()
        conn.request("POST", "/submit/", body=urllib.parse.urlencode(fields).encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                              "Origin": origin, "Referer": f"{origin}/submit/", "Accept": "text/html",
                              "X-Load-Id": s["id"]})
        response = conn.getresponse()
        payload = response.read()
        latency = time.perf_counter() - started
        found = RECEIPT.search(response.getheader("Location") or "") if response.status == 302 else None
        return {"status": response.status, "latency": latency, "code": found.group(1) if found else None,
                "page": page, "body": payload[:300].decode(errors="replace") if not found else ""}
    finally:
        conn.close()


def fire(port: int, submissions: list[dict], clients: int, pace: float = 0.0) -> tuple[list[dict], float]:
    """Send every submission from `clients` threads; with pace > 0, submission i starts at i / pace seconds."""
    results = [None] * len(submissions)
    index = iter(range(len(submissions)))
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    t0 = [0.0]

    def client():
        barrier.wait()
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            if pace:
                delay = t0[0] + i / pace - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            s = submissions[i]
            sent = time.monotonic() - t0[0]
            try:
                r = (submit_api if s["kind"] == "api" else submit_form)(port, s)
            except (OSError, http.client.HTTPException, ValueError) as error:
                r = {"status": 0, "latency": None, "code": None, "page": None,
                     "body": f"{type(error).__name__}: {error}"}
            r.update(kind=s["kind"], sent=sent, id=s["id"])
            results[i] = r

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    t0[0] = time.monotonic()
    barrier.wait()
    for t in threads:
        t.join()
    return results, time.monotonic() - t0[0]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))]


def latency_line(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<22} -"
    ms = [v * 1000 for v in values]
    return (f"  {label:<22} n={len(ms):>4}  p50 {pct(ms, 50):7.0f} ms  p95 {pct(ms, 95):7.0f} ms  "
            f"p99 {pct(ms, 99):7.0f} ms  max {max(ms):7.0f} ms")


# ---------------------------------------------------------------- database proofs


def prove_intake(results: list[dict], first_new_pk: int) -> dict:
    """Accepted submissions are stored, each with one receive event, and nothing else was stored."""
    from django.db.models import Count

    from demands.models import Demand, DemandEvent

    accepted = [r for r in results if r["code"]]
    codes = [r["code"] for r in accepted]
    new = Demand.objects.filter(pk__gte=first_new_pk)
    stored = dict(new.values_list("tracking_code", "channel"))
    receive = DemandEvent.objects.filter(demand_id__gte=first_new_pk, action="receive")
    per_demand = Counter(receive.values_list("demand_id", flat=True))
    missing = [c for c in codes if c not in stored]
    wrong_channel = [r["code"] for r in accepted
                     if r["code"] in stored and stored[r["code"]] != ("api" if r["kind"] == "api" else "web")]
    return {
        "accepted": len(accepted),
        "distinct codes": len(set(codes)),
        "rows": len(stored),
        "receive events": receive.count(),
        "demands with !=1 receive": new.exclude(pk__in=[k for k, v in per_demand.items() if v == 1]).count(),
        "missing codes": len(missing),
        "unreported rows": len(set(stored) - set(codes)),
        "wrong channel": len(wrong_channel),
        "channels": dict(new.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")),
        "statuses": dict(new.values_list("status").annotate(n=Count("pk")).values_list("status", "n")),
    }


def report(results: list[dict], wall: float) -> tuple[Counter, int]:
    statuses = Counter((r["kind"], r["status"]) for r in results)
    print(f"  wall {wall:.1f} s, {len(results) / wall:.1f} submissions/s; statuses " +
          ", ".join(f"{k}:{s}={n}" for (k, s), n in sorted(statuses.items())))
    print(latency_line("all submissions (POST)", [r["latency"] for r in results if r["latency"] is not None]))
    print(latency_line("API POST", [r["latency"] for r in results if r["kind"] == "api" and r["latency"] is not None]))
    print(latency_line("form GET /submit/", [r["page"] for r in results if r["page"] is not None]))
    print(latency_line("form POST", [r["latency"] for r in results if r["kind"] == "form" and r["code"]]))
    errors = [r for r in results if r["status"] >= 500 or r["status"] == 0]
    for r in errors[:5]:
        print(f"    error at {r['sent']:.1f} s ({r['kind']}): {r['status']} {r['body'][:200]!r}")
    return statuses, sum(1 for r in results if r["status"] >= 500)


def timeline_lines(results: list[dict], step: float) -> str:
    """Submissions by the moment they were sent: how many, how many accepted, median and worst latency."""
    lines = []
    for start in range(0, int(max(r["sent"] for r in results) // step) + 1):
        batch = [r for r in results if start * step <= r["sent"] < (start + 1) * step]
        ms = sorted(r["latency"] * 1000 for r in batch if r["latency"] is not None)
        if batch:
            lines.append(f"    sent {start * step:5.1f}-{(start + 1) * step:5.1f} s: {len(batch):4} sent, "
                         f"{sum(1 for r in batch if r['code']):4} accepted, p50 {pct(ms, 50) if ms else 0:6.0f} ms, "
                         f"max {ms[-1] if ms else 0:6.0f} ms")
    return "\n".join(lines)


def check(label: str, ok: bool, failures: list[str]) -> None:
    print(f"  [{'ok' if ok else 'FAIL'}] {label}")
    if not ok:
        failures.append(label)


# ---------------------------------------------------------------- modes


class Bench:
    def __init__(self, args, *, given_db: str | None = None, redis: bool = True):
        self.args = args
        self.procs: list[Proc] = []
        self.given_db, self.redis = given_db, redis
        # The classifier the caller names (the suite's or `make install`'s), read before self.env replaces it.
        self.installed_classifier = Path(os.environ.get("CLASSIFIER_PATH") or "/nonexistent")
        self.redis_url = f"redis://127.0.0.1:6379/{args.redis_db}" if redis else ""
        self.db_url = given_db or f"{args.dsn}/{args.db}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis_url, "CELERY_BROKER_URL": self.redis_url or "memory://", "DEBUG": "0",
            "SECRET_KEY": "load-bench-only-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PORTAL_VAR_DIR": str(SCRATCH / "var"), "CLASSIFIER_PATH": str(SCRATCH / "var" / "classifier.joblib"),
            "STATIC_ROOT": str(SCRATCH / "static"),
            "MEDIA_ROOT": str(SCRATCH / "media"), "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "60",
            # Plain http on localhost: no https redirect, no Secure-only cookies, no HSTS.
            "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
            # Every client comes from 127.0.0.1: anonymous limits far above the load.
            "THROTTLE_ANON_SUBMIT": "1000000/hour", "THROTTLE_ANON_TRACK": "1000000/hour",
            "PAGE_SUBMIT_LIMIT": "1000000", "PAGE_TRACK_LIMIT": "1000000", "PAGE_SUGGEST_LIMIT": "1000000",
            "PAGE_SIMILAR_LIMIT": "1000000",
            "SWEEP_INTERVAL_SECONDS": "2",
        }

    # -- setup
    def prepare_once(self):
        (SCRATCH / "var").mkdir(parents=True, exist_ok=True)
        t = time.monotonic()
        if not self.args.smoke:  # its compressed copies take a minute; a smoke run fetches no static file
            manage(self.env, "collectstatic", "--noinput", "-v0")
        installed = self.installed_classifier
        if self.args.smoke and installed.is_file():
            self.env["CLASSIFIER_PATH"] = str(installed)  # training takes a while
        elif not (SCRATCH / "var" / "classifier.joblib").exists():
            manage(self.env, "train_classifier")
        print(f"static files and classifier ready in {time.monotonic() - t:.0f} s")

    def fresh_database(self):
        from django.db import connections

        connections.close_all()
        if not self.given_db:
            psql(self.args.dsn, f"DROP DATABASE IF EXISTS {self.args.db} WITH (FORCE)")
            psql(self.args.dsn, f"CREATE DATABASE {self.args.db}")
        t = time.monotonic()
        manage(self.env, "migrate", "--noinput", "-v0")
        manage(self.env, "seed_bazhou", "--password", "load-bench-2026")
        print(f"database {self.db_url.rsplit('/', 1)[-1]} migrated and seeded in {time.monotonic() - t:.0f} s")
        if self.redis:
            redis_flush(self.args.redis_db)
        for log in SCRATCH.glob("*.log"):
            log.unlink()

    def start_web(self) -> int:
        port = free_port()
        self.web = Proc("gunicorn", [PY, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{port}",
                                     "-k", "gthread", "-w", str(self.args.workers), "--threads", str(self.args.threads),
                                     "--backlog", "2048", "--timeout", "60", "--log-level", "warning",
                                     # Server-side time per request, to tell queueing from work.
                                     "--access-logfile", str(SCRATCH / "access.log"),
                                     "--access-logformat", '%(t)s "%(r)s" %(s)s %(M)s %({x-load-id}i)s'],
                        self.env, SCRATCH / "gunicorn.log")
        self.procs.append(self.web)
        wait_http(port)
        # Warm every worker (the classifier loads in ~3 s per process) with requests that store nothing, until a
        # whole round is fast: then no worker is cold.
        t0 = time.monotonic()
        for _round in range(2 if self.args.smoke else 20):
            times = []
            warm = [threading.Thread(target=lambda: times.append(_classify(port)))
                    for _ in range(self.args.workers * self.args.threads * 2)]
            for t in warm:
                t.start()
            for t in warm:
                t.join()
            if max(times) < 0.5:
                break
        print(f"  gunicorn on port {port}, warm after {time.monotonic() - t0:.1f} s")
        return port

    def start_celery(self, kind: str) -> Proc:
        argv = [PY, "-m", "celery", "-A", "portal", kind, "--loglevel=INFO"]
        if kind == "worker":
            argv += ["--concurrency=2", "--without-gossip", "--without-mingle", "-n", "load@%h"]
        else:
            argv += ["--schedule", str(SCRATCH / "celerybeat-schedule")]
        proc = Proc(kind, argv, self.env, SCRATCH / f"celery-{kind}.log")
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in reversed(self.procs):
            proc.stop()
        self.procs = []

    def submissions(self, seed: int) -> list[dict]:
        rng = random.Random(seed)
        w = world()
        return [make_submission(w, rng, n) for n in range(self.args.submissions)]

    # -- plain
    def plain(self, failures: list[str]) -> None:
        from demands.models import Demand

        print(f"\n== plain: {self.args.submissions} submissions at once from {self.args.clients} client threads")
        self.fresh_database()
        port = self.start_web()
        first = (Demand.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        subs = self.submissions(1)
        results, wall = fire(port, subs, self.args.clients)
        statuses, fives = report(results, wall)
        proof = prove_intake(results, first)
        print(f"  database: {proof}")
        n = self.args.submissions
        check(f"{n} submissions accepted", proof["accepted"] == n, failures)
        check(f"exactly {n} new rows, {n} receive events, one per demand",
              proof["rows"] == n and proof["receive events"] == n and proof["demands with !=1 receive"] == 0, failures)
        check("every returned tracking code stored, distinct, on its channel",
              proof["missing codes"] == 0 and proof["distinct codes"] == proof["accepted"]
              and proof["wrong channel"] == 0,
              failures)
        dropped = statuses.get(("api", 0), 0) + statuses.get(("form", 0), 0)
        check("no 5xx, no dropped connection", fives == 0 and dropped == 0, failures)
        self.stop_all()

    # -- chaos
    def overdue_demands(self) -> list[tuple[int, int]]:
        """Demands walked to "accepted" through the real services; (pk, expected level) each."""
        from accounts.models import User
        from demands import services
        from demands.models import Urgency

        dispatcher = User.objects.get(username="dispatcher")
        handler = User.objects.get(username="handler")
        department = handler.department
        category = department.categories.filter(parent__isnull=False).first() or department.categories.first()
        from grids.models import Grid

        grid = Grid.objects.select_related("township").order_by("pk").first()
        made = []
        t = time.monotonic()
        for i in range(self.args.overdue):
            d = services.demand_receive(actor=None, type="help", township=grid.township, contact_phone="13812345678",
                                        content=f"{grid.community.name}路灯坏了一个多月，晚上出行很不方便（第{i + 1}件）。")
            d.refresh_from_db()
            if d.status == "received":
                services.demand_classify(demand_id=d.pk, actor=dispatcher, type="help", category=category,
                                         urgency=Urgency.NORMAL, grid=grid)
            if d.status in ("received", "classified"):
                services.demand_dispatch(demand_id=d.pk, actor=dispatcher, unit=department)
            else:  # auto-routed elsewhere: bring it to our department so our handler can accept it
                services.demand_reassign(demand_id=d.pk, actor=dispatcher, unit=department)
            services.demand_accept(demand_id=d.pk, actor=handler)
            made.append((d.pk, 1 + i % 3))
        print(f"  {len(made)} demands walked to accepted in {time.monotonic() - t:.1f} s")
        return made

    def schedule_deadlines(self, overdue: list[tuple[int, int]], start: float) -> None:
        """Escalation moments spread over the chaos window: before, during and after each fault."""
        import datetime as dt

        from django.utils import timezone

        from demands.models import Demand

        now = timezone.now()
        far = now + dt.timedelta(days=30)
        window = self.args.flow_seconds
        for i, (pk, level) in enumerate(overdue):
            base = now + dt.timedelta(seconds=(i % 20) * window / 20 - (time.monotonic() - start))
            moments = [base, base + dt.timedelta(seconds=1), base + dt.timedelta(seconds=2)]
            warn, deadline, supervise = [m if n < level else far for n, m in enumerate(moments)]
            Demand.objects.filter(pk=pk).update(warn_at=warn, resolve_deadline=deadline, supervise_at=supervise)

    def escalation_state(self, overdue: list[tuple[int, int]]) -> dict:
        from demands.models import Demand, DemandEvent, SupervisionOrder
        from notifications.models import Notification, OutboundMessage

        pks = [pk for pk, _level in overdue]
        expected = dict(overdue)
        levels = dict(Demand.objects.filter(pk__in=pks).values_list("pk", "escalation_level"))
        events = Counter(DemandEvent.objects.filter(demand_id__in=pks, action="escalate")
                         .values_list("demand_id", "data__level"))
        orders = Counter(SupervisionOrder.objects.filter(demand_id__in=pks, source="escalation")
                         .values_list("demand_id", flat=True))
        kinds = {1: "escalation_warning", 2: "escalation_overdue", 3: "supervision_order"}
        told = {(d, k) for d, k in Notification.objects.filter(demand_id__in=pks, kind__in=kinds.values())
                .values_list("demand_id", "kind")}
        # A sweep applies the level a demand is at when it runs: the top level is owed, lower ones only if a sweep
        # ran while the demand stood there.
        owed = [(pk, top) for pk, top in expected.items()]
        return {
            "at level": sum(1 for pk, top in expected.items() if levels.get(pk) == top),
            "over": sum(1 for pk, top in expected.items() if levels.get(pk, 0) > top),
            "events": sum(events.values()),
            "events owed": len(owed),
            "missing events": sum(1 for key in owed if events.get(key, 0) == 0),
            "duplicate events": sum(1 for n in events.values() if n > 1),
            "orders": sum(orders.values()),
            "orders owed": sum(1 for top in expected.values() if top == 3),
            "duplicate orders": sum(1 for n in orders.values() if n > 1),
            "missing notifications": sum(1 for pk, level in owed if (pk, kinds[level]) not in told),
            "pending outbound": OutboundMessage.objects.filter(status="pending").count(),
            "sent outbound": OutboundMessage.objects.filter(status="sent").count(),
        }

    def escalation_lag(self, overdue: list[tuple[int, int]], start_wall) -> str:
        """How long after its moment each level was written, and when (seconds into the flow)."""
        from demands.models import Demand, DemandEvent

        fields = {1: "warn_at", 2: "resolve_deadline", 3: "supervise_at"}
        moments = {d["pk"]: d for d in Demand.objects.filter(pk__in=[pk for pk, _l in overdue])
                   .values("pk", *fields.values())}
        lags, written = [], []
        for demand_id, level, at in DemandEvent.objects.filter(
                demand_id__in=moments, action="escalate").values_list("demand_id", "data__level", "created_at"):
            lags.append((at - moments[demand_id][fields[level]]).total_seconds())
            written.append((at - start_wall).total_seconds())
        if not lags:
            return "  no escalation written"
        return (f"  escalation lag (event time - level moment): median {pct(lags, 50):.1f} s, max {max(lags):.1f} s; "
                f"events written {min(written):.1f}-{max(written):.1f} s into the flow")

    def chaos(self, failures: list[str]) -> None:
        from demands.models import Demand

        a = self.args
        print(f"\n== chaos: {a.submissions} submissions paced over {a.flow_seconds:.0f} s from {a.clients} client "
              f"threads; Celery worker and beat on Redis db {a.redis_db}, sweeps every 2 s")
        self.fresh_database()
        overdue = self.overdue_demands()
        worker = self.start_celery("worker")
        beat = self.start_celery("beat")
        port = self.start_web()  # warming it also gives the worker and beat time to connect
        first = (Demand.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        subs = self.submissions(2)
        w = a.flow_seconds
        timeline = [(0.15 * w, "kill -9 worker", worker.kill9), (0.25 * w, "start worker", worker.start),
                    (0.40 * w, "redis shutdown nosave", redis_stop), (0.55 * w, "redis start", redis_start),
                    (0.70 * w, "kill -9 worker", worker.kill9), (0.75 * w, "start worker", worker.start)]
        log = []
        start = time.monotonic()
        from django.utils import timezone

        start_wall = timezone.now()
        self.schedule_deadlines(overdue, start)

        def faults():
            for at, label, action in timeline:
                delay = start + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                action()
                log.append((time.monotonic() - start, label))

        chaos_thread = threading.Thread(target=faults, daemon=True)
        chaos_thread.start()
        results, wall = fire(port, subs, a.clients, pace=a.submissions / w)
        chaos_thread.join()
        print("  faults: " + "; ".join(f"{t:.1f} s {label}" for t, label in log))
        statuses, fives = report(results, wall)
        (SCRATCH / "chaos-results.json").write_text(json.dumps(results))
        during = [r for r in results if timeline[2][0] <= r["sent"] <= timeline[3][0] + 1]
        print(f"  sent while Redis was down: {len(during)}, accepted {sum(1 for r in during if r['code'])}")
        print(timeline_lines(results, step=w / 8))
        proof = prove_intake(results, first)
        print(f"  database: {proof}")
        check("every accepted submission stored with exactly one receive event (nothing lost)",
              proof["missing codes"] == 0 and proof["rows"] == proof["accepted"] == proof["receive events"]
              and proof["demands with !=1 receive"] == 0, failures)
        check("no demand stored that its client was not told about", proof["unreported rows"] == 0, failures)
        check(f"all {a.submissions} submissions accepted, no 5xx", proof["accepted"] == a.submissions and fives == 0,
              failures)

        t = time.monotonic()
        deadline = t + a.converge_timeout
        conditions = {
            "levels": lambda st: st["at level"] == len(overdue) and st["missing events"] == 0,
            "notifications": lambda st: st["missing notifications"] == 0,
            "outbound delivered": lambda st: st["pending outbound"] == 0,
        }
        reached = {}
        while time.monotonic() < deadline and len(reached) < len(conditions):
            state = self.escalation_state(overdue)
            for name, met in conditions.items():
                if name not in reached and met(state):
                    reached[name] = time.monotonic() - start
            time.sleep(1)
        waited = time.monotonic() - t
        print("  converged (seconds into the flow): " + ", ".join(f"{k} {v:.0f} s" for k, v in reached.items()))
        web_log = (SCRATCH / "gunicorn.log").read_text(errors="replace")
        print(f"  web tier during the faults: {web_log.count('could not enqueue')} task publishes refused (left to "
              f"the sweeps), {web_log.count('the cache is unreachable')} limit checks skipped, "
              f"{web_log.count('Internal Server Error')} logged server errors")
        # One more sweep period, so a late duplicate would have time to show.
        time.sleep(5)
        state = self.escalation_state(overdue)
        print(f"  escalation after {waited:.0f} s past the flow: {state}")
        print(self.escalation_lag(overdue, start_wall))
        print(f"  worker alive: {worker.alive()}, beat alive: {beat.alive()}")
        check(f"all {len(overdue)} overdue demands at their expected level, none above",
              state["at level"] == len(overdue) and state["over"] == 0, failures)
        check("every owed escalation event written exactly once",
              state["missing events"] == 0 and state["duplicate events"] == 0
              and state["events"] == state["events owed"],
              failures)
        check("one supervision order per level-3 demand",
              state["orders"] == state["orders owed"] and state["duplicate orders"] == 0, failures)
        check("every escalation told to staff, every outbound message delivered",
              state["missing notifications"] == 0 and state["pending outbound"] == 0, failures)
        check("beat survived the Redis restart", beat.alive(), failures)
        self.stop_all()


def _classify(port: int) -> float:
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/v1/classify/", body=json.dumps({"content": "路灯坏了晚上看不见"}).encode(),
                     headers={"Content-Type": "application/json"})
        conn.getresponse().read()
        conn.close()
    except OSError:
        return 60.0
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["both", "plain", "chaos"], default="both")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=200, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--db", default="minsheng_load")
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-db", type=int, help="default 9 (10 for --smoke)")
    parser.add_argument("--overdue", type=int, default=150, help="overdue demands whose escalation must converge")
    parser.add_argument("--flow-seconds", type=float, default=40, help="chaos mode: submissions spread over this")
    parser.add_argument("--converge-timeout", type=float, default=180)
    parser.add_argument("--smoke", action="store_true", help="plain mode, tiny: the test suite's check")
    args = parser.parse_args()
    if args.db == FORBIDDEN_DB or not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error(f"refusing database name {args.db!r}")
    if args.smoke:
        return smoke(args)
    if args.redis_db is None:
        args.redis_db = 9

    SCRATCH.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    failures: list[str] = []
    try:
        if not redis_ping():
            redis_start()
        django_setup(bench.env)
        bench.prepare_once()
        print("load average before: " + " ".join(f"{v:.1f}" for v in os.getloadavg()))
        if args.mode in ("both", "plain"):
            bench.plain(failures)
        if args.mode in ("both", "chaos"):
            bench.chaos(failures)
    finally:
        bench.stop_all()
        # Redis is a shared service: it must be running again whatever happened above.
        redis_start()
        redis_flush(args.redis_db)
    print(f"\n{'FAILED: ' + '; '.join(failures) if failures else 'all checks passed'}")
    return 1 if failures else 0


def smoke(args) -> int:
    """Plain mode with a handful of submissions; Redis, a shared service, is used only if it runs, never restarted."""
    global SCRATCH
    given = database_url()
    args.mode, args.submissions, args.clients, args.workers, args.threads = "plain", 20, 4, 1, 2
    if args.redis_db is None:
        args.redis_db = 10  # beside a full run on db 9, a smoke run flushes only its own
    SCRATCH = Path(tempfile.mkdtemp(prefix="minsheng_load_smoke_"))
    bench = Bench(args, given_db=given, redis=redis_ping())
    # Static files as the test suite has them (not collected): the pages name them unhashed.
    bench.env["PORTAL_TESTING"] = "1"
    failures: list[str] = []
    try:
        django_setup(bench.env)
        bench.prepare_once()
        bench.plain(failures)
    finally:
        bench.stop_all()
        if bench.redis:
            redis_flush(args.redis_db)
        if not given:
            from django.db import connections

            connections.close_all()
            psql(args.dsn, f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"\n{'FAILED: ' + '; '.join(failures) if failures else 'all checks passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
