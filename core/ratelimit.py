"""Who is asking and how often: the client address behind the proxies, and fixed-window limits per account
(signed in) or per address (anonymous), for pages, page actions and the login forms."""

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rest_framework import throttling

log = logging.getLogger(__name__)
# The cache is Redis in production: while it restarts a limit cannot count, and a resident's demand must not
# fail for that (docs/threat-model.md#rate-limits), so the limits let the request through.
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


def _window(name: str, period: int) -> str:
    """The cache key of counter `name` in the current fixed window of `period` seconds."""
    return f"ratelimit:{name}:{int(time.time() // period)}"


def _hit(name: str, period: int) -> int | None:
    """Add one to the counter `name` of the current window; None when the cache cannot count."""
    key = _window(name, period)
    try:
        cache.add(key, 0, timeout=period + 5)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=period + 5)
            return 1
    except CACHE_DOWN as error:
        log.warning("rate limit %s not counted, the cache is unreachable (%s)", name.split(":")[0], error)
        return None


def _read(name: str, period: int) -> int:
    try:
        return cache.get(_window(name, period)) or 0
    except CACHE_DOWN as error:
        log.warning("rate limit %s not read, the cache is unreachable (%s)", name.split(":")[0], error)
        return 0


def _client(request) -> str:
    # Signed in, the client is the account: colleagues behind one office address keep their own budgets.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def over_limit(request, scope: str, limit: int, period: int) -> bool:
    """Count this request; True once the client (account, or address when anonymous) made more than `limit`
    in the current `period` seconds."""
    count = _hit(f"{scope}:{_client(request)}", period)
    return count is not None and count > limit


def over_phone_limit(scope: str, phone: str, limit: int, period: int) -> bool:
    """Count one more message to (or code for) `phone`; True once it had more than `limit` in `period` seconds.
    Keyed by a digest: cache keys are listed in monitoring, and a phone number is personal data."""
    count = _hit(f"{scope}:phone:{_phone_digest(phone)}", period)
    return count is not None and count > limit


def _phone_digest(phone: str) -> str:
    # Keyed: there are only some billions of mobile numbers, so a plain hash of one is undone by trying them all.
    return hmac.new(settings.SECRET_KEY.encode(), f"ratelimit-phone:{phone.strip()}".encode(),
                    hashlib.sha256).hexdigest()[:16]


def over_action_limit(request) -> bool:
    """A signed-in page action: within the account's hourly budget, and its address's much higher one."""
    account = _hit(f"action:{_client(request)}", 3600)
    address = _hit(f"action_ip:{client_ip(request)}", 3600)
    return (account is not None and account > settings.PAGE_ACTION_LIMIT) or (
        address is not None and address > settings.PAGE_ACTION_IP_LIMIT)


# ---- logins: both login forms (the portal's and the admin's) share these counters ----
LOGIN_WINDOW_SECONDS = 15 * 60


def _username_digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:16]


def login_refused(request) -> bool:
    """True while this address has too many failed logins: in total, or for too many different usernames.
    Only failures count, so an office of colleagues signing in from one address is never stopped."""
    ip = client_ip(request)
    return (_read(f"login_fail:{ip}", LOGIN_WINDOW_SECONDS) >= settings.LOGIN_IP_LIMIT
            or _read(f"login_users:{ip}", LOGIN_WINDOW_SECONDS) >= settings.LOGIN_IP_USERNAME_LIMIT)


def count_login_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """Receiver of Django's user_login_failed for either login form (the per-username lockout is django-axes')."""
    if request is None:
        return
    ip = client_ip(request)
    _hit(f"login_fail:{ip}", LOGIN_WINDOW_SECONDS)
    username = str((credentials or {}).get("username", ""))
    try:
        first_time = cache.add(_window(f"login_seen:{ip}:{_username_digest(username)}", LOGIN_WINDOW_SECONDS), 1,
                               timeout=LOGIN_WINDOW_SECONDS + 5)
    except CACHE_DOWN:
        return
    if first_time:
        _hit(f"login_users:{ip}", LOGIN_WINDOW_SECONDS)


def too_many(request):
    request.audit_reason = "throttled"
    if request.path.startswith("/api/"):  # a session's API call gets the API's error format
        return JsonResponse({"code": "throttled", "detail": _("Too many requests. Please try again later.")},
                            status=429)
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
