"""Settings for the test suite: the real settings with test-only secrets and a throwaway media folder."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("PORTAL_TESTING", "1")

from .settings import *  # noqa: E402,F403

MEDIA_ROOT = tempfile.mkdtemp(prefix="minsheng-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
# Tasks run in-process when enqueued (on commit), so tests see their effects; the worker tests use a real one.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The suite walks demands through every state by hand; tests of automatic routing turn it on with `settings`.
AUTO_DISPATCH_ENABLED = False
# QR codes and SMS links need an absolute address; the test client's own host.
PUBLIC_BASE_URL = "http://testserver"
