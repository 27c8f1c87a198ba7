"""Deputies' suggestions (代表建议), their handling and its evaluation (docs/lifecycles.md#suggestions)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ImmutableEvent
from demands.models import Rating

from .states import Action, Status


class ReplyClass(models.TextChoices):
    A = "A", _("A — solved or adopted")
    B = "B", _("B — being solved or planned")
    C = "C", _("C — kept for reference")


class Kind(models.TextChoices):
    SUGGESTION = "suggestion", _("suggestion (建议)")
    BILL = "bill", _("bill (议案)")


# Each kind is numbered on its own sequence per year: 建议 JY2026-0007, 议案 YA2026-0002.
CODE_PREFIX = {Kind.SUGGESTION: "JY", Kind.BILL: "YA"}


class Suggestion(models.Model):
    # "JY2026-0007": given when pre-review passes, numbered per year and kind; empty until then.
    code = models.CharField(_("number"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SUGGESTION)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    seq = models.PositiveIntegerField(_("number within the year"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content (grounds and proposal)"), blank=True)
    category = models.ForeignKey("demands.Category", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    deputies = models.ManyToManyField("deputies.Deputy", through="SuggestionProposer", verbose_name=_("proposers"),
                                      related_name="suggestions")
    demands = models.ManyToManyField("demands.Demand", verbose_name=_("linked demands"), blank=True,
                                     related_name="suggestions")
    # The lead proposer's evaluation is the suggestion's result, the one counted in 满意率 (docs/figures.md#suggestion-figures).
    result = models.CharField(_("result (the lead proposer's evaluation)"), max_length=20, choices=Rating.choices,
                              blank=True)
    # Why pre-review last returned the draft, shown to its proposers until it passes.
    returned_reasons = models.TextField(_("reasons for returning the draft"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["year", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="suggestion_code_unique"),
            models.UniqueConstraint(fields=["year", "kind", "seq"], condition=Q(seq__isnull=False),
                                    name="suggestion_kind_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code or _('draft')} {self.title}"

    @property
    def lead(self):
        for proposer in self.proposers.all():
            if proposer.is_lead:
                return proposer.deputy
        return None


class NumberCounter(models.Model):
    """The last number given in a year to one kind; its row is locked while a suggestion takes the next one."""

    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="suggestion_counter_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.kind}: {self.last}"


class SuggestionProposer(models.Model):
    """A proposing deputy: exactly one lead (领衔), the others joint proposers (联名)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="proposers")
    deputy = models.ForeignKey("deputies.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT,
                               related_name="+")
    is_lead = models.BooleanField(_("lead proposer"), default=False)

    class Meta:
        ordering = ["-is_lead", "id"]
        verbose_name = _("proposer")
        verbose_name_plural = _("proposers")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "deputy"], name="suggestion_proposer_once"),
            models.UniqueConstraint(fields=["suggestion"], condition=Q(is_lead=True), name="suggestion_one_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy.name}{' *' if self.is_lead else ''}"


def default_reply_due() -> dt.date:
    return add_months(timezone.localdate(), 3)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Assignment(models.Model):
    """交办: the lead department answers; co-handling departments contribute opinions."""

    suggestion = models.OneToOneField(Suggestion, on_delete=models.CASCADE, related_name="assignment")
    lead_department = models.ForeignKey("core.Department", verbose_name=_("lead department"),
                                        on_delete=models.PROTECT, related_name="suggestions_led")
    co_departments = models.ManyToManyField("core.Department", verbose_name=_("co-handling departments"),
                                            blank=True, related_name="suggestions_co_handled")
    is_key = models.BooleanField(_("key supervision (重点督办)"), default=False)

    class LeaderRole(models.TextChoices):
        LEAD = "lead", _("leads it (领导领办)")
        SUPERVISE = "supervise", _("supervises it (领导督办)")

    # A named leader of the district who leads or supervises a key suggestion, e.g. "副区长 王强".
    leader = models.CharField(_("leader (title and name)"), max_length=100, blank=True)
    leader_role = models.CharField(_("leader's role"), max_length=10, choices=LeaderRole.choices, blank=True)
    reply_due = models.DateField(_("reply due"), default=default_reply_due)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["lead_department"])]

    def __str__(self) -> str:
        return f"{self.suggestion.code} → {self.lead_department}"


class Reply(models.Model):
    """办复: the lead department's answer, classed A / B / C, with its reasons."""

    suggestion = models.OneToOneField(Suggestion, on_delete=models.CASCADE, related_name="reply")
    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    reply_class = models.CharField(_("class"), max_length=1, choices=ReplyClass.choices)
    text = models.TextField(_("reply"))
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("replied by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    replied_at = models.DateTimeField(_("replied at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.suggestion.code} · {self.reply_class}"


class CoHandlingOpinion(models.Model):
    """A co-handling department's opinion, one per department."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="opinions")
    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    text = models.TextField(_("opinion"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("co-handling opinion")
        verbose_name_plural = _("co-handling opinions")
        constraints = [models.UniqueConstraint(fields=["suggestion", "department"], name="suggestion_opinion_once")]

    def __str__(self) -> str:
        return f"{self.suggestion.code} · {self.department}"


class Evaluation(models.Model):
    """A proposing deputy's evaluation of the reply, one per deputy."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="evaluations")
    deputy = models.ForeignKey("deputies.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT,
                               related_name="+")
    is_lead = models.BooleanField(_("lead proposer"), default=False)
    rating = models.CharField(_("evaluation"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-is_lead", "created_at", "id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [models.UniqueConstraint(fields=["suggestion", "deputy"], name="suggestion_evaluation_once")]

    def __str__(self) -> str:
        return f"{self.suggestion.code} · {self.deputy.name} · {self.rating}"


class FollowUp(models.Model):
    """Progress on a class-B suggestion in a later (or the same) year; `resolved` ends the tracking."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="follow_ups")
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.TextField(_("progress"))
    resolved = models.BooleanField(_("resolved"), default=False)
    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["year", "created_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["suggestion", "resolved"])]

    def __str__(self) -> str:
        return f"{self.suggestion.code} · {self.year}"


class ProposerContact(models.Model):
    """One of the three contacts of the lead department with the proposers (办前沟通, 办中共商, 办后回访)."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("before handling (办前沟通)")
        DURING = "during", _("during handling (办中共商)")
        AFTER = "after", _("after the reply (办后回访)")

    class Form(models.TextChoices):
        MEETING = "meeting", _("face to face (面谈)")
        PHONE = "phone", _("by phone (电话)")
        FORUM = "forum", _("forum (座谈)")
        WRITTEN = "written", _("in writing (书面)")

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="contacts")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    held_on = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    participants = models.CharField(_("who took part"), max_length=200)
    agreed = models.TextField(_("what was agreed"))
    department = models.ForeignKey("core.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["held_on", "created_at", "id"]
        verbose_name = _("contact with the proposers")
        verbose_name_plural = _("contacts with the proposers")
        indexes = [models.Index(fields=["suggestion", "stage"])]

    def __str__(self) -> str:
        return f"{self.suggestion.code} · {self.stage} · {self.held_on}"


class SuggestionEvent(ImmutableEvent):
    """One step in a suggestion's history. Rows are written once and never changed."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.action} {self.from_status}→{self.to_status}"

    def delete(self, *args, **kwargs):
        raise ValueError("Suggestion events are immutable.")
