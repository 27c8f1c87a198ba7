"""Load the Bazhou demo: places, categories, departments, SLA policy, deputies, users, and optional demands."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from portal.seed_accounts import DEFAULT_PASSWORD, seed_users
from demands.demo import generate_demands
from demands.models import Demand
from demands.seed import seed_categories, seed_departments, seed_sla_policy
from deputies import demo as deputies_demo
from inquiries import demo as inquiries_demo
from deputies.seed import seed_deputies, seed_stations
from grids.models import Grid, MicroGrid, Township
from grids.seed import seed_places
from evaluations import demo as evaluations_demo
from livelihood import demo as livelihood_demo
from revisits import demo as revisits_demo
from suggestions import demo as suggestions_demo
from supervise import rollup


class Command(BaseCommand):
    help = "Load the Bazhou district demo data. Safe to run again: a second run changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--password", help=f"password of every demo user (default for new users: {DEFAULT_PASSWORD})")
        parser.add_argument("--demands", type=int, default=0, help="add N synthetic historical demands")
        parser.add_argument("--if-empty", action="store_true", help="add the --demands only when there are none yet")

    def handle(self, *args, password=None, demands=0, if_empty=False, **options):
        started = time.monotonic()
        with transaction.atomic():
            seed_places()
            categories = seed_categories()
            seed_departments(categories)
            seed_sla_policy()
            seed_deputies()
            seed_stations()
            deputies_demo.seed_terms()
            deputies_demo.seed_score_rule()
            new_users = seed_users(password)
        self.stdout.write(
            f"places: {Township.objects.count()} townships, {Grid.objects.count()} grids, "
            f"{MicroGrid.objects.count()} micro-grids; {new_users} new users"
        )
        if demands > 0 and not (if_empty and Demand.objects.exists()):
            t0 = time.monotonic()
            # The dashboard's ledger is rebuilt once at the end instead of following every bulk row. A full demo's
            # demands include common problems reported by several neighbours, for deputies to group.
            with rollup.suspended():
                written = generate_demands(demands)
                self.stdout.write(f"demands: {written} added in {time.monotonic() - t0:.1f} s")
                # The deputies' side of the demo follows the demands it cites.
                duty = deputies_demo.seed_demo()
                self.stdout.write(f"duty archive: {duty}")
                suggestions_demo.seed_demo()
                livelihood_demo.seed_demo()
                revisits_demo.seed_demo()
                inquiries_demo.seed_demo()
                # 述职 reports quote last year's archive, so they come after everything that writes to it.
                self.stdout.write(f"accountability: {deputies_demo.seed_accountability()}")
                evaluations_demo.seed_demo()
            self.stdout.write(f"figure ledger: {rollup.FigureLedger.objects.count()} rows")
        self.stdout.write(self.style.SUCCESS(f"seed_bazhou done in {time.monotonic() - started:.1f} s"))
