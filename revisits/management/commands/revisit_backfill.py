"""Create the call-backs the demand history makes due where a receiver failed to (docs/lifecycles.md#call-backs),
and set every demand's call-back flags again (docs/figures.md#call-back-figures)."""

from django.core.management.base import BaseCommand

from revisits.services import revisit_tasks_backfill


class Command(BaseCommand):
    help = ("Create missing call-back tasks from the demand history and set the demands' call-back flags. Safe to run "
            "again: nothing is added twice.")

    def handle(self, *args, **options):
        due = revisit_tasks_backfill()
        self.stdout.write(f"call-backs due in the history: {due}")
