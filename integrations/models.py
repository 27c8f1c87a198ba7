"""Server-to-server clients (12345 hotlines, other systems) and API tokens (docs/threat-model.md#integrations)."""

import hashlib
import secrets
import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import versions

TOKEN_PREFIX = "msk_"


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(raw.encode()).hexdigest()


class Integration(models.Model):
    """A client system. It acts through its own service account, whose scope is the townships listed here."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration")
    townships = models.ManyToManyField("grids.Township", verbose_name=_("townships"), blank=True,
                                       help_text=_("Empty means the whole district."))
    callback_url = models.URLField(_("callback URL"), blank=True)
    callback_secret = models.CharField(_("callback secret"), max_length=128, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token of a user: an integration's service account or a member of staff."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with the raw key, which is shown once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], key_hash=hash_token(raw))
        return token, raw


# hash -> (user, stamp, valid until): hotline clients call many times a second. A change to a token, an integration,
# its townships or its account sets a new stamp (core.versions), which every process sees on its next request;
# the minute is the backstop for changes made without a signal (a queryset update()).
_TOKEN_CACHE: dict = {}
TOKEN_CACHE_SECONDS = 60


def token_user(raw: str):
    """The active user a raw token belongs to, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    key = hash_token(raw)
    stamp = versions.current(versions.INTEGRATIONS)  # read before the database, so a later change is never hidden
    cached = _TOKEN_CACHE.get(key)
    if cached is not None and stamp is not None and cached[1] == stamp and cached[2] > time.monotonic():
        return cached[0]
    user = _token_user_uncached(key)
    if user is not None and stamp is not None:
        if len(_TOKEN_CACHE) > 10_000:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[key] = (user, stamp, time.monotonic() + TOKEN_CACHE_SECONDS)
    return user


def forget_cached_tokens() -> None:
    """This process only; integrations_changed() tells every process."""
    _TOKEN_CACHE.clear()


def integrations_changed() -> None:
    """A token, an integration, its townships or an account changed: this process forgets now, every process
    once the change is committed."""
    forget_cached_tokens()
    versions.bump_on_commit(versions.INTEGRATIONS)


def _token_user_uncached(key: str):
    # One query: the token, its user and (if any) the user's integration.
    token = (ApiToken.objects.select_related("user__integration")
             .filter(key_hash=key, revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    integration = getattr(token.user, "integration", None)
    if integration is not None and not integration.is_active:
        return None
    now = timezone.now()
    # Recorded at most every five minutes: a write (and a commit) per API call would halve intake throughput.
    if token.last_used_at is None or now - token.last_used_at > timezone.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class CallbackDelivery(models.Model):
    """One demand event to be told to one integration: retried with back-off until delivered or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed (gave up)")

    integration = models.ForeignKey(Integration, verbose_name=_("integration"), on_delete=models.CASCADE,
                                    related_name="callback_deliveries")
    demand = models.ForeignKey("demands.Demand", verbose_name=_("demand"), on_delete=models.CASCADE,
                               related_name="callback_deliveries")
    event = models.ForeignKey("demands.DemandEvent", verbose_name=_("demand event"), on_delete=models.CASCADE,
                              related_name="+")
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("callback delivery")
        verbose_name_plural = _("callback deliveries")
        constraints = [models.UniqueConstraint(fields=["integration", "event"], name="callback_delivery_unique")]
        # The catch-up sweep reads only what is still waiting.
        indexes = [models.Index(fields=["next_attempt_at"], name="callback_pending",
                                condition=models.Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.integration} · {self.payload.get('action', '')} #{self.event_id}"


class CallbackAttempt(models.Model):
    """One HTTP POST of a delivery, kept so staff can see what a client answered."""

    delivery = models.ForeignKey(CallbackDelivery, verbose_name=_("callback delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["attempted_at", "id"]
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} · {self.http_status or self.error[:40]}"
