"""Hotline intake throughput against gunicorn + PostgreSQL, beside the ceiling of this machine.

Starts gunicorn on a throwaway PostgreSQL database, then alternates rounds of concurrent clients posting
(a) hotline demands to POST /api/v1/demands/ with an integration token and unique external ids, and
(b) a one-field model to a bare DRF create endpoint (bench/ceiling), the most this machine can serve.
Prints requests/s and p95 latency per round, the medians, and the ratio of (a) to (b).

    python bench/intake.py [--clients 16] [--seconds 8] [--rounds 3] [--workers 4] [--db minsheng_intake_bench]
      (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth; override with --dsn)
    python bench/intake.py --smoke    # 2 clients, one 1 s round, 1 worker: shows the benchmark still runs

--smoke uses the test suite's throwaway database as it is (bench/_smoke.py: SQLite in its SQLite run), else creates
and drops --db like a full run.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
DB = "minsheng_intake_bench"

from bench._smoke import database_url  # noqa: E402


def psql(dsn_base: str, sql: str) -> None:
    subprocess.run(["psql", f"{dsn_base}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def run_round(port: int, path: str, headers: dict, make_body, clients: int, seconds: float) -> tuple[float, float, int]:
    latencies, errors = [], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, seq = [], 0
        while time.monotonic() < stop:
            body = json.dumps(make_body(n, seq)).encode()
            seq += 1
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
                response = conn.getresponse()
                response.read()
                ok = response.status in (200, 201)
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            if ok:
                mine.append(elapsed)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return len(latencies) / wall, p95 * 1000, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB, help="the throwaway database, dropped and created again")
    parser.add_argument("--smoke", action="store_true", help="tiny and short: the test suite's check")
    args = parser.parse_args()
    given = database_url() if args.smoke else None
    if args.smoke:
        args.clients, args.seconds, args.rounds, args.workers, args.port = 2, 1.0, 1, 1, free_port()

    if not given:
        psql(args.dsn, f"DROP DATABASE IF EXISTS {args.db}")
        psql(args.dsn, f"CREATE DATABASE {args.db}")
    env = {**os.environ, "DATABASE_URL": given or f"{args.dsn}/{args.db}", "BENCH_CEILING": "1", "DEBUG": "0",
           "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "127.0.0.1", "CELERY_BROKER_URL": "memory://",
           "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "60",
           # Plain HTTP on loopback: production would redirect every request to HTTPS.
           "SECURE_SSL_REDIRECT": "0", "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}"}
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_bazhou")
        out = manage(env, "create_integration", "bench-12345")
        token = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("token"))
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
             "--log-level", "warning"], cwd=ROOT, env=env)
        deadline = time.monotonic() + 60  # a loaded machine takes a while to import Django in each worker
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)

        def demand_body(n, seq):
            return {"type": "complaint", "channel": "hotline", "township": "511902001",
                    "content": "来电反映：小区门口夜市噪音扰民，凌晨一点仍在营业，请尽快处理。",
                    "external_id": f"bench-{time.time_ns()}-{n}-{seq}", "contact_phone": "13800001111"}

        def ping_body(n, seq):
            return {"value": f"{n}-{seq}"}

        intake, ceiling, failed = [], [], 0
        vendor = "SQLite" if env["DATABASE_URL"].startswith("sqlite") else "PostgreSQL"
        print(f"{args.clients} clients, {args.seconds:.0f} s rounds, gunicorn {args.workers} workers, {vendor}",
              flush=True)
        for r in range(args.rounds):
            for label, path, headers, body, sink in [
                ("ceiling", "/bench/ping/", {}, ping_body, ceiling),
                ("intake ", "/api/v1/demands/", {"Authorization": f"Token {token}"}, demand_body, intake),
            ]:
                rps, p95, errors = run_round(args.port, path, headers, body, args.clients, args.seconds)
                sink.append((rps, p95))
                failed += errors
                print(f"  round {r + 1} {label}: {rps:7.1f} req/s, p95 {p95:6.1f} ms, {errors} errors", flush=True)
        i_rps, c_rps = statistics.median(x[0] for x in intake), statistics.median(x[0] for x in ceiling)
        if not (i_rps and c_rps) or (args.smoke and failed):
            sys.exit(f"{failed} requests failed: the benchmark is broken")
        print(f"median intake {i_rps:.1f} req/s (p95 {statistics.median(x[1] for x in intake):.1f} ms), "
              f"ceiling {c_rps:.1f} req/s (p95 {statistics.median(x[1] for x in ceiling):.1f} ms), "
              f"ratio {i_rps / c_rps:.2f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if not given:
            psql(args.dsn, f"DROP DATABASE IF EXISTS {args.db}")


if __name__ == "__main__":
    main()
