"""What the bench scripts' --smoke runs share (tests/test_bench_smoke.py runs each script with --smoke).

The test suite hands each script a throwaway, migrated database of the suite's kind (SQLite, or PostgreSQL when
the suite runs on it) in SMOKE_DATABASE_URL, and DATABASE_URL points there too. A script that calls
postgres_url() also gets a throwaway, migrated PostgreSQL database in SMOKE_POSTGRES_URL, or an empty one when no
PostgreSQL server answers. Outside the suite both are unset and a smoke run makes its databases as a full run does.
"""

import os
import sys

SKIPPED = "smoke run skipped: "


def database_url() -> str | None:
    """The suite's throwaway database, or None outside the suite."""
    return os.environ.get("SMOKE_DATABASE_URL") or None


def postgres_url() -> str | None:
    """The suite's throwaway PostgreSQL database, or None outside the suite; ends the run (a skip) without one."""
    url = os.environ.get("SMOKE_POSTGRES_URL")
    if url == "":
        print(SKIPPED + "no PostgreSQL server to measure", flush=True)
        sys.exit(0)
    return url
