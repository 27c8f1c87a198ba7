"""A small fixed-window limit for anonymous page actions (submitting, looking up codes)."""

import time

from django.core.cache import cache
from django.shortcuts import render


def client_ip(request) -> str:
    # Behind the deployment's proxy the first X-Forwarded-For entry is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


def over_limit(request, scope: str, limit: int, period: int) -> bool:
    """Count this request; True once the client made more than `limit` in the current `period` seconds."""
    if request.user.is_authenticated:
        return False
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_ip(request)}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count > limit


def too_many(request):
    return render(request, "429.html", status=429)
