"""Recompute the figure ledger from the demands, or fold it (what beat does every few minutes)."""

import time

from django.core.management.base import BaseCommand

from supervise import rollup


class Command(BaseCommand):
    help = "Recompute the dashboard's figure ledger from the demands (after a bulk load or a category move)."

    def add_arguments(self, parser):
        parser.add_argument("--compact-only", action="store_true", help="only fold the ledger, one row per key")

    def handle(self, *args, compact_only=False, **options):
        started = time.monotonic()
        rows = rollup.compact() if compact_only else rollup.rebuild()
        self.stdout.write(f"figure ledger: {rows} rows in {time.monotonic() - started:.1f} s")
