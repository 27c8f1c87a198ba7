"""What the bench scripts' --smoke runs share (tests/test_bench_smoke.py runs each script with --smoke).

The test suite hands a script a throwaway, migrated PostgreSQL database in BENCH_POSTGRES_URL, created and dropped
around the run, or an empty BENCH_POSTGRES_URL when no PostgreSQL server answers; outside the suite the variable is
unset and a smoke run makes its databases as a full run does.
"""

import os
import sys

SKIPPED = "smoke run skipped: "


def postgres_url() -> str | None:
    """The suite's throwaway PostgreSQL database, or None outside the suite; ends the run (a skip) without one."""
    url = os.environ.get("BENCH_POSTGRES_URL")
    if url == "":
        print(SKIPPED + "no PostgreSQL server to measure", flush=True)
        sys.exit(0)
    return url
