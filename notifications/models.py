"""Staff inbox rows and a log of every message sent out of the portal (e-mail, SMS, log)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        DISPATCHED = "dispatched", _("dispatched to your unit")
        ACCEPT_OVERDUE = "accept_overdue", _("not accepted in time")
        ESCALATION_WARNING = "escalation_warning", _("deadline approaching")
        ESCALATION_OVERDUE = "escalation_overdue", _("deadline passed")
        SUPERVISION_ORDER = "supervision_order", _("supervision order")
        EXTENSION_REQUESTED = "extension_requested", _("extension requested")
        RETURNED = "returned", _("returned by the unit")
        RATING_LINK = "rating_link", _("rating link")
        RATING_REMINDER = "rating_reminder", _("rating reminder")
        FLAGGED = "flagged", _("flagged for supervisors")
        FORWARDED = "forwarded", _("forwarded by a deputy")
        SUPPLEMENTED = "supplemented", _("information added by the resident")
        CHASED = "chased", _("chased by the resident")
        WITHDRAWN = "withdrawn", _("withdrawn by the resident")
        # What the resident is told by SMS at each step (the rating link and its reminder are above).
        RECEIPT = "receipt", _("receipt with the tracking link")
        RESIDENT_DISPATCHED = "resident_dispatched", _("the resident is told who handles it")
        RESIDENT_REJECTED = "resident_rejected", _("the resident is told it cannot be taken up")
        REPLIED = "replied", _("the resident is told the unit replied")
        REOPENED = "reopened", _("the resident is told it is handled again")
        COHANDLING_REQUESTED = "cohandling_requested", _("co-handling requested")
        COHANDLING_OPINION = "cohandling_opinion", _("co-handling opinion given")
        # Anything not about one demand (suggestions, the ballot): the caller words title and body.
        NOTICE = "notice", _("notice")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    demand = models.ForeignKey(
        "demands.Demand", verbose_name=_("demand"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        # Serves the unread badge on every page: recipient = ? AND read_at IS NULL.
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class OutboundMessage(models.Model):
    """One attempt to send through a channel, kept so staff can see what residents were told and what failed."""

    class Channel(models.TextChoices):
        LOG = "log", _("log")
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Set by the worker sending it; older than the lease (services.CLAIM_SECONDS) it is free again, so a worker that
    # died mid-send does not keep the message forever.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The catch-up sweep reads only what is still waiting.
        indexes = [models.Index(fields=["created_at"], name="outbound_pending",
                                condition=models.Q(status="pending"))]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"{self.channel} · {self.subject or self.body[:40]}"
