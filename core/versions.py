"""Version stamps in the shared cache, so that every process drops what another process changed.

A per-process cache (API tokens, townships and categories) keeps what it read together with the stamp of its
kind. Whoever changes such a row sets a new stamp once the transaction commits; each process reads the stamps once
per request (one round trip to Redis) and rebuilds whatever was kept under an older one. A stamp missing from the
cache (evicted, Redis restarted empty) is replaced by a new one, so nothing kept under the lost one is trusted; with
the cache unreachable `current` answers None and the caller reads the database instead.
"""

import logging
import threading
import uuid

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

from .ratelimit import CACHE_DOWN

log = logging.getLogger(__name__)

INTEGRATIONS = "integrations"  # API tokens, integrations and their townships, the accounts behind them
REFERENCE = "reference"  # townships and categories named by code in the API
KINDS = (INTEGRATIONS, REFERENCE)

# Within a request the stamps are read once (WSGI: one request per thread at a time); outside one (Celery tasks,
# commands) on every use.
_request = threading.local()


def _key(kind: str) -> str:
    return f"version:{kind}"


def _read() -> dict[str, str | None] | None:
    keys = [_key(kind) for kind in KINDS]
    try:
        found = cache.get_many(keys)
        if len(found) < len(keys):
            for key in keys:
                if key not in found:
                    cache.add(key, uuid.uuid4().hex, timeout=None)
            found = cache.get_many(keys)  # another process may have added its stamp first
    except CACHE_DOWN as error:
        log.warning("cache versions not read, the cache is unreachable (%s); reading the database", error)
        return None
    return {kind: found.get(_key(kind)) for kind in KINDS}


def current(kind: str) -> str | None:
    """The stamp of `kind` now; None when it cannot be known, and nothing kept may then be trusted."""
    stamps = getattr(_request, "stamps", None)
    if stamps is None:
        stamps = _read()
        if getattr(_request, "active", False):
            _request.stamps = stamps or {}
    return (stamps or {}).get(kind)


def bump(kind: str) -> None:
    """A new stamp for `kind` now: every process rebuilds what it kept of it on its next request."""
    try:
        cache.set(_key(kind), uuid.uuid4().hex, timeout=None)
    except CACHE_DOWN as error:
        # Processes keep nothing while they cannot read the stamps; what they kept before the outage lasts at most
        # as long as each cache's own expiry (a minute for tokens).
        log.warning("cache version %s not changed, the cache is unreachable (%s)", kind, error)
    _request.stamps = None


def bump_on_commit(kind: str) -> None:
    """After the change is committed: a process that reloaded before the commit must not keep the old rows."""
    transaction.on_commit(lambda: bump(kind))


def _request_started(**_kwargs):
    _request.active, _request.stamps = True, None


def _request_finished(**_kwargs):
    _request.active, _request.stamps = False, None


request_started.connect(_request_started, dispatch_uid="core.versions.request_started")
request_finished.connect(_request_finished, dispatch_uid="core.versions.request_finished")
