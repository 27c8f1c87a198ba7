"""Livelihood-project ballot (民生实事项目票决, docs/lifecycles.md#livelihood-ballot): rounds, proposals, candidates, the sealed ballot box,
and the projects the winners become.

Secrecy of the ballot holds against whoever reads the database (docs/ballot-secrecy.md): `VoterRecord` says THAT
a deputy voted; `SealedBallot` holds WHAT was chosen, encrypted under a key the database never sees, with no
voter, no time and no order; `Candidate.votes`, `Round.ballots_cast` and `Round.blank_ballots` are written once,
by the count after the voting closes, so no row version ever shows a count moving by one ballot.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.models import ImmutableEvent

from .states import ProposalStatus, round_status


class Round(models.Model):
    """One year's ballot for Bazhou district."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=120)
    seats = models.PositiveSmallIntegerField(_("number of projects to elect"))
    proposals_open_at = models.DateTimeField(_("proposals open at"))
    proposals_close_at = models.DateTimeField(_("proposals close at"))
    voting_opens_at = models.DateTimeField(_("voting opens at"))
    voting_closes_at = models.DateTimeField(_("voting closes at"))
    evaluation_opens_at = models.DateTimeField(_("year-end evaluation opens at"))
    evaluation_closes_at = models.DateTimeField(_("year-end evaluation closes at"))
    screened_at = models.DateTimeField(_("candidates fixed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    # Written once, by services.round_tally after the voting closes; zero until then.
    ballots_cast = models.PositiveIntegerField(_("ballots cast"), default=0)
    blank_ballots = models.PositiveIntegerField(_("blank ballots"), default=0)
    tallied_at = models.DateTimeField(_("ballots counted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("ballot round")
        verbose_name_plural = _("ballot rounds")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="round_has_a_seat"),
            models.CheckConstraint(condition=Q(proposals_close_at__gt=F("proposals_open_at")),
                                   name="round_proposals_window"),
            models.CheckConstraint(condition=Q(voting_opens_at__gte=F("proposals_close_at")),
                                   name="round_votes_after_proposals"),
            models.CheckConstraint(condition=Q(voting_closes_at__gt=F("voting_opens_at")), name="round_voting_window"),
            models.CheckConstraint(condition=Q(evaluation_closes_at__gt=F("evaluation_opens_at")),
                                   name="round_evaluation_window"),
            models.CheckConstraint(condition=Q(blank_ballots__lte=F("ballots_cast")), name="round_blank_within_cast"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        return round_status(self, timezone.now())

    def get_status_display(self) -> str:
        from .states import RoundStatus

        return RoundStatus(self.status).label

    @property
    def evaluation_open(self) -> bool:
        return self.published_at is not None and self.evaluation_opens_at <= timezone.now() < self.evaluation_closes_at


class Proposal(models.Model):
    """A proposal for next year's projects (年初问计划), from a resident's public form or a deputy's session."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("resident")
        DEPUTY = "deputy", _("deputy")

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="proposals")
    source = models.CharField(_("proposed by"), max_length=10, choices=Source.choices)
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("content"), max_length=2000)
    township = models.ForeignKey("grids.Township", verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="+")
    # Personal data: shown in full only to the staff screening proposals, masked elsewhere.
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    deputy = models.ForeignKey("deputies.Deputy", verbose_name=_("deputy"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="ballot_proposals")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.SUBMITTED)
    decline_reason = models.CharField(_("reason not adopted"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    """A candidate project on the ballot, screened from one or more proposals."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="candidates")
    # Provisional while screening; drawn by lot when the candidates are fixed (it breaks the last ties).
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=3000)
    budget = models.DecimalField(_("budget (10,000 yuan)"), max_digits=10, decimal_places=2)
    department = models.ForeignKey("core.Department", verbose_name=_("responsible department"),
                                   on_delete=models.PROTECT, related_name="ballot_candidates")
    proposals = models.ManyToManyField(Proposal, verbose_name=_("merged proposals"), blank=True,
                                       related_name="candidates")
    # Written once, by services.round_tally after the voting closes; zero until then.
    votes = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        ordering = ["round", "number"]
        verbose_name = _("candidate project")
        verbose_name_plural = _("candidate projects")
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="candidate_number_once")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class VoterRecord(models.Model):
    """THAT a deputy voted in a round: nothing about what, nor when. The unique pair refuses a second ballot."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="voters")
    deputy = models.ForeignKey("deputies.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT,
                               related_name="ballot_voter_records")

    class Meta:
        ordering = ["round", "deputy__code"]
        verbose_name = _("voter record")
        verbose_name_plural = _("voter records")
        constraints = [models.UniqueConstraint(fields=["round", "deputy"], name="one_ballot_per_deputy")]

    def __str__(self) -> str:
        return f"{self.round.year} · {self.deputy.name}"


class SealedBallot(models.Model):
    """WHAT one deputy chose, sealed (livelihood.sealing): readable only by the count after the voting closes.

    Written in the voter's transaction, so it never goes missing or counts twice; its row shares that
    transaction's xmin with the VoterRecord, which is why it carries nothing readable: no voter, no time, a random
    id, and a ciphertext of the same length for every ballot of the round. The count deletes the round's rows.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="+")
    seal = models.BinaryField(_("sealed choices"))

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return str(_("sealed ballot"))


class Project(models.Model):
    """A winning candidate, carried out by its responsible department through the year."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="projects")
    candidate = models.OneToOneField(Candidate, verbose_name=_("candidate"), on_delete=models.PROTECT,
                                     related_name="project")
    rank = models.PositiveSmallIntegerField(_("rank"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    budget = models.DecimalField(_("budget (10,000 yuan)"), max_digits=10, decimal_places=2)
    department = models.ForeignKey("core.Department", verbose_name=_("responsible department"),
                                   on_delete=models.PROTECT, related_name="ballot_projects")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-round__year", "rank"]
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")

    def __str__(self) -> str:
        return self.title

    @cached_property
    def latest_progress(self):
        # Reads a prefetched `progress` when there is one.
        return max(self.progress.all(), key=lambda p: p.month, default=None)

    @property
    def percent(self) -> int:
        latest = self.latest_progress
        return latest.percent if latest else 0


class ProjectProgress(models.Model):
    """The month's progress (年中问进度), written by the responsible department."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="progress")
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    percent = models.PositiveSmallIntegerField(_("percent complete"))
    note = models.TextField(_("progress"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly progress")
        verbose_name_plural = _("monthly progress")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="progress_once_a_month"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.month:%Y-%m}"


class ProjectReport(models.Model):
    """A quarterly report on a project."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, q) for q in range(1, 5)])
    summary = models.TextField(_("report"), max_length=5000)
    spent = models.DecimalField(_("spent so far (10,000 yuan)"), max_digits=10, decimal_places=2, null=True,
                                blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        constraints = [models.UniqueConstraint(fields=["project", "year", "quarter"], name="report_once_a_quarter")]

    def __str__(self) -> str:
        return f"{self.project} · {self.year}Q{self.quarter}"


class Evaluation(models.Model):
    """The year-end satisfaction evaluation (年末问效果): one per deputy, any number from residents."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASICALLY = "basically", _("basically satisfied")
        DISSATISFIED = "dissatisfied", _("dissatisfied")

    class By(models.TextChoices):
        DEPUTY = "deputy", _("deputy")
        RESIDENT = "resident", _("resident")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="evaluations")
    by = models.CharField(_("evaluated by"), max_length=10, choices=By.choices)
    deputy = models.ForeignKey("deputies.Deputy", verbose_name=_("deputy"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="project_evaluations")
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("satisfaction evaluation")
        verbose_name_plural = _("satisfaction evaluations")
        constraints = [
            models.UniqueConstraint(fields=["project", "deputy"], condition=Q(deputy__isnull=False),
                                    name="evaluation_once_per_deputy"),
            models.CheckConstraint(condition=Q(by="deputy", deputy__isnull=False) | Q(by="resident", deputy__isnull=True),
                                   name="evaluation_deputy_matches_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_rating_display()}"


class BallotEvent(ImmutableEvent):
    """A step of a round or of a proposal in it: opened, screened, counted, published, merged, declined.

    A ballot cast leaves no event: who voted is the VoterRecord, and nothing ties it to a choice.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="events")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="events")

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("ballot event")
        verbose_name_plural = _("ballot events")

    def __str__(self) -> str:
        return f"{self.round_id} {self.action}"
