"""The yearly satisfaction evaluation of departments and public service units (满意度测评) and the rectification
(整改) of the units that fall below the round's threshold (docs/lifecycles.md#evaluations)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Department, ImmutableEvent

from .states import (
    PUBLIC_STATES,
    RectificationAction,
    RectificationStatus,
    RoundAction,
    RoundStatus,
)

MAX_COMMENT_LENGTH = 300
MAX_TEXT_LENGTH = 2000


class UnitKind(models.TextChoices):
    """What kind of unit a department is in the evaluation: core.Department keeps no kind of its own."""

    DEPARTMENT = "department", _("government department")
    PUBLIC_SERVICE = "public_service", _("public service unit")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class Round(models.Model):
    """One year's evaluation: the units evaluated, the threshold, and where it stands."""

    year = models.PositiveSmallIntegerField(_("year evaluated"), unique=True,
                                            validators=[MinValueValidator(2000), MaxValueValidator(2999)])
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(_("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # Below either threshold a unit must rectify (docs/figures.md#evaluation-figures).
    min_score = models.DecimalField(_("lowest passing score"), max_digits=4, decimal_places=1, default=Decimal(80),
                                    validators=[MinValueValidator(0), MaxValueValidator(100)])
    min_satisfaction = models.DecimalField(_("lowest passing rated satisfaction (%)"), max_digits=4,
                                           decimal_places=1, default=Decimal(70),
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATES


class Sheet(models.Model):
    """One unit in one round (the evaluated unit and its kind); its figures and ratings are frozen when counted."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sheets")
    department = models.ForeignKey(Department, verbose_name=_("unit"), on_delete=models.PROTECT,
                                   related_name="evaluation_sheets")
    kind = models.CharField(_("kind of unit"), max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    # Counted: {figure name: [numerator, denominator]} and the received / closed counts (selectors.sheet_figures).
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    deputy_counts = models.JSONField(_("deputies' ratings"), default=dict, blank=True)
    resident_counts = models.JSONField(_("residents' ratings"), default=dict, blank=True)
    score = models.DecimalField(_("composite score"), max_digits=4, decimal_places=1, null=True, blank=True)
    rated_satisfaction = models.DecimalField(_("rated satisfaction (%)"), max_digits=4, decimal_places=1, null=True,
                                             blank=True)
    below_threshold = models.BooleanField(_("below the threshold"), default=False)

    class Meta:
        ordering = ["kind", "department__code"]
        verbose_name = _("evaluation sheet")
        verbose_name_plural = _("evaluation sheets")
        constraints = [models.UniqueConstraint(fields=["round", "department"], name="evaluation_sheet_once_per_round")]

    def __str__(self) -> str:
        return f"{self.round.year} · {self.department}"


class DeputyRating(models.Model):
    """A deputy's rating of one unit: one per deputy and unit, held by the constraint under concurrent posts."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="deputy_ratings")
    deputy = models.ForeignKey("deputies.Deputy", on_delete=models.PROTECT, related_name="unit_ratings")
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    comment = models.CharField(_("comment"), max_length=MAX_COMMENT_LENGTH, blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("deputy's rating")
        verbose_name_plural = _("deputies' ratings")
        constraints = [models.UniqueConstraint(fields=["sheet", "deputy"], name="evaluation_rating_once_per_deputy")]


class ResidentRating(models.Model):
    """A resident's anonymous rating of one unit. `voter` is a digest of the browser's random cookie and the
    round, so one browser rates a unit once; no address, name or phone is ever stored."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="resident_ratings")
    voter = models.CharField(max_length=64)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    comment = models.CharField(_("comment"), max_length=MAX_COMMENT_LENGTH, blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("resident's rating")
        verbose_name_plural = _("residents' ratings")
        constraints = [models.UniqueConstraint(fields=["sheet", "voter"], name="evaluation_rating_once_per_browser")]


class RoundEvent(ImmutableEvent):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=RoundAction.choices)

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("evaluation round event")
        verbose_name_plural = _("evaluation round events")


class Rectification(models.Model):
    """整改: a unit below the threshold plans, is interviewed (约谈) and is verified as rectified."""

    sheet = models.OneToOneField(Sheet, on_delete=models.CASCADE, related_name="rectification")
    status = models.CharField(_("status"), max_length=12, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN)
    plan = models.TextField(_("rectification plan"), blank=True)
    interview_on = models.DateField(_("interview date"), null=True, blank=True)
    interview_by = models.CharField(_("interview held by"), max_length=200, blank=True)
    interview_notes = models.TextField(_("what was said and agreed"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verification = models.TextField(_("verification"), blank=True)
    created_at = models.DateTimeField(_("due since"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    done_at = models.DateTimeField(_("rectified at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        constraints = [
            models.CheckConstraint(name="rectification_interview_recorded",
                                   condition=Q(status__in=["open", "planned"]) | Q(interview_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.sheet}"


class RectificationEvent(ImmutableEvent):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=RectificationAction.choices)
    from_status = models.CharField(max_length=12, choices=RectificationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=RectificationStatus.choices)

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")
