"""Supervision topics (监督议题) and special inquiries (专题询问) with their questions, answers and commitments
(docs/lifecycles.md#special-inquiries)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ImmutableEvent

from .states import Action, CommitmentStatus, Status, TopicAction, TopicStatus

TITLE_LENGTH = 100
TEXT_LENGTH = 2000


class Topic(models.Model):
    """A subject for an inquiry: proposed by the public (公开征集) or chosen by supervisors from the figures."""

    class Source(models.TextChoices):
        PUBLIC = "public", _("proposed by the public")
        HOTSPOT = "hotspot", _("a hotspot of demands")
        FIGURE = "figure", _("a low figure")
        STAFF = "staff", _("proposed by supervisors")

    title = models.CharField(_("topic"), max_length=TITLE_LENGTH)
    description = models.TextField(_("what should be examined"), max_length=TEXT_LENGTH, blank=True)
    township = models.ForeignKey("grids.Township", verbose_name=_("township or street"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PUBLIC)
    # What in the figures led to it: a hotspot term, or a figure's name and value.
    source_note = models.CharField(_("from the figures"), max_length=200, blank=True)
    # Optional, for supervisors to ask the proposer more; never shown on a public page.
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TopicStatus.choices, default=TopicStatus.PROPOSED)
    decision_note = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("supervision topic")
        verbose_name_plural = _("supervision topics")
        indexes = [models.Index(fields=["status", "created_at"], name="inquiry_topic_status_age")]

    def __str__(self) -> str:
        return self.title


class Inquiry(models.Model):
    title = models.CharField(_("title"), max_length=200)
    topic = models.OneToOneField(Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="inquiry")
    # None: the district congress's standing committee; a township: its congress presidium.
    township = models.ForeignKey("grids.Township", verbose_name=_("township or street"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("meeting date"))
    departments = models.ManyToManyField("core.Department", verbose_name=_("departments questioned"),
                                         related_name="+")
    deputies = models.ManyToManyField("deputies.Deputy", verbose_name=_("deputies taking part"), related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    summary = models.TextField(_("record of the meeting"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("special inquiry")
        verbose_name_plural = _("special inquiries")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="questions")
    deputy = models.ForeignKey("deputies.Deputy", verbose_name=_("asked by"), on_delete=models.PROTECT,
                               related_name="+")
    department = models.ForeignKey("core.Department", verbose_name=_("asked of"), on_delete=models.PROTECT,
                                   related_name="+")
    text = models.TextField(_("question"), max_length=TEXT_LENGTH)
    answer = models.TextField(_("answer"), max_length=TEXT_LENGTH, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")


class Commitment(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="commitments")
    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    text = models.TextField(_("commitment"), max_length=TEXT_LENGTH)
    due_on = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=12, choices=CommitmentStatus.choices,
                              default=CommitmentStatus.OPEN)
    # Why it was closed without being done (a supervisor's decision), or the department's last word when done.
    outcome = models.TextField(_("outcome"), max_length=TEXT_LENGTH, blank=True)
    created_at = models.DateTimeField(_("made at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_on < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class CommitmentUpdate(models.Model):
    """One follow-up entry on a commitment: what the department did, and whether that finishes it."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    note = models.TextField(_("progress"), max_length=TEXT_LENGTH)
    done = models.BooleanField(_("done"), default=False)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("follow-up entry")
        verbose_name_plural = _("follow-up entries")


class TopicEvent(ImmutableEvent):
    """One step of a topic's moderation. An anonymous proposal names nobody."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=TopicAction.choices)
    from_status = models.CharField(max_length=12, choices=TopicStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=TopicStatus.choices)


class InquiryEvent(ImmutableEvent):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
