"""Who is asking and how often: the client address behind the proxies, and fixed-window limits per address."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from redis.exceptions import RedisError
from rest_framework import throttling

log = logging.getLogger(__name__)
# The cache is Redis in production: while it restarts a limit cannot count, and a resident's demand must not
# fail for that (DESIGN §9), so the limits let the request through.
CACHE_DOWN = (RedisError, OSError)


def client_ip(request) -> str:
    """The client's address, the one function every limit and the login lockout use.

    Each trusted proxy appends the address it received the connection from, so with N proxies the client is the
    Nth X-Forwarded-For entry from the right; anything further left was written by the client and is ignored.
    With no trusted proxy only the socket address counts.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones; the leftmost is what the first one saw.
    return entries[-min(proxies, len(entries))]


def over_limit(request, scope: str, limit: int, period: int) -> bool:
    """Count this request; True once the client made more than `limit` in the current `period` seconds."""
    if request.user.is_authenticated:
        return False
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_ip(request)}:{window}"
    try:
        cache.add(key, 0, timeout=period + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=period + 5)
            count = 1
    except CACHE_DOWN as error:
        log.warning("rate limit %s not counted, the cache is unreachable (%s)", scope, error)
        return False
    return count > limit


def too_many(request):
    request.audit_reason = "throttled"
    return render(request, "429.html", status=429)


class AnonClientThrottle(throttling.AnonRateThrottle):
    """DRF's anonymous throttle, counting per client_ip() rather than DRF's own reading of the headers."""

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_DOWN as error:
            log.warning("throttle %s not counted, the cache is unreachable (%s)", self.scope, error)
            return True
