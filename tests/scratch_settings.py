"""Settings for tests/test_figure_registry.py's subprocesses: the test settings, the scratch app that adds a figure,
and the supervise migrations read from a scratch copy (SCRATCH_DIR/scratch_migrations), where makemigrations and
figure_triggers write the new figure's migrations. DATABASE_URL (or PORTAL_VAR_DIR for SQLite): the database to
migrate from zero."""

import os
import sys

from portal.test_settings import *  # noqa: F403
from portal.test_settings import INSTALLED_APPS

sys.path.insert(0, os.environ["SCRATCH_DIR"])
INSTALLED_APPS = [*INSTALLED_APPS, "tests.scratch_figure"]
MIGRATION_MODULES = {"supervise": "scratch_migrations"}
