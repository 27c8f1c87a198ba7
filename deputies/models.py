"""People's-congress deputies, their liaison stations, receptions and duty archive (docs/lifecycles.md#deputies)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ImmutableEvent

from .states import ReportAction, ReportStatus


class Term(models.Model):
    """A congress term (一届): the span a deputy's duty book (一任一册) covers."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="term_ends_after_start")]

    def __str__(self) -> str:
        return self.name


class Deputy(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        PROVINCIAL = "provincial", _("provincial")
        CITY = "city", _("city")
        COUNTY = "county", _("county")
        TOWNSHIP = "township", _("township")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    township = models.ForeignKey(
        "grids.Township", verbose_name=_("township"), on_delete=models.PROTECT, related_name="deputies"
    )
    constituency = models.CharField(_("constituency"), max_length=100, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    # 代表进网格: the grids whose residents this deputy keeps in touch with.
    grids = models.ManyToManyField("grids.Grid", verbose_name=_("embedded in grids"), blank=True,
                                   related_name="deputies")
    is_active = models.BooleanField(_("active"), default=True)
    # 两个联系: members of the standing committee each keep in touch with some grassroots deputies (ContactLink).
    is_standing_member = models.BooleanField(_("member of the standing committee"), default=False)

    class Meta:
        ordering = ["township__sort", "code"]
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")

    def __str__(self) -> str:
        return f"{self.name} · {self.get_level_display()}"


class Station(models.Model):
    """A liaison station where deputies of several levels receive constituents (混合编组进站)."""

    class Kind(models.TextChoices):
        HOME = "home", _("deputies' home")
        STATION = "station", _("liaison station")
        STUDIO = "studio", _("deputy studio")
        LEGISLATIVE = "legislative", _("grassroots legislative contact point")
        MOBILE = "mobile", _("mobile liaison point")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    township = models.ForeignKey("grids.Township", verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="stations")
    community = models.ForeignKey("grids.Community", verbose_name=_("village or community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="stations")
    address = models.CharField(_("address"), max_length=200)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Reception schedule: ISO weekdays (1 = Monday) and/or days of the month; either may be empty.
    reception_weekdays = models.CharField(_("reception weekdays"), max_length=20, blank=True,
                                          help_text=_("ISO weekdays separated by commas, 1 = Monday; 4 = every Thursday"))
    reception_monthdays = models.CharField(_("reception days of the month"), max_length=60, blank=True,
                                           help_text=_("Days of the month separated by commas, e.g. 4,14,24"))
    reception_hours = models.CharField(_("reception hours"), max_length=40, blank=True, default="09:00–12:00")
    phone = models.CharField(_("station phone"), max_length=20, blank=True)
    # Demands addressed to the station by its QR code go to the convener.
    convener = models.ForeignKey(Deputy, verbose_name=_("convener"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    members = models.ManyToManyField(Deputy, verbose_name=_("member deputies"), blank=True, related_name="stations")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["township__sort", "code"]
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")

    def __str__(self) -> str:
        return self.name


class Reception(models.Model):
    """A reception day at a station (接待日志): who received, who came, what was raised."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT,
                                related_name="receptions")
    held_on = models.DateField(_("held on"))
    deputies = models.ManyToManyField(Deputy, verbose_name=_("deputies receiving"), related_name="receptions")
    visitor_count = models.PositiveSmallIntegerField(_("number of visitors"), default=0)
    # Names of visitors are personal data: shown to the station's deputies and staff only.
    visitors = models.TextField(_("who came"), blank=True)
    topics = models.TextField(_("what they raised"))
    demands = models.ManyToManyField("demands.Demand", verbose_name=_("demands created"), blank=True,
                                     related_name="receptions")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")

    def __str__(self) -> str:
        return f"{self.station} · {self.held_on}"


class DutyRecord(models.Model):
    """One entry of a deputy's duty archive (一人一档). System entries name their source and are written once."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("meeting attended")
        INSPECTION = "inspection", _("inspection or research")
        SUGGESTION = "suggestion", _("suggestion submitted")
        RECEPTION = "reception", _("constituents received")
        DEMAND = "demand", _("demand handled")
        REPORT = "report", _("demand reported from the field")

    deputy = models.ForeignKey(Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT,
                               related_name="duty_records")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    # What wrote it: "" for a hand-written entry, else e.g. "demand_event", "suggestion", "reception", "ballot".
    source = models.CharField(_("source"), max_length=20, blank=True)
    source_id = models.BigIntegerField(_("source id"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("duty record")
        verbose_name_plural = _("duty records")
        indexes = [models.Index(fields=["deputy", "occurred_on"])]
        constraints = [
            # An automatic entry is written once however often its source is replayed.
            models.UniqueConstraint(fields=["deputy", "source", "source_id"], condition=~Q(source=""),
                                    name="duty_record_source_once"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy.name} · {self.get_kind_display()} · {self.title}"


# ---------------------------------------------------------------- 履职积分 and 代表述职 (docs/figures.md, docs/lifecycles.md)


class ScoreRule(models.Model):
    """One line of the published 履职积分 rule: points per item, and at most `yearly_cap` points a year from it."""

    class Item(models.TextChoices):
        MEETING = "meeting", _("meeting attended")
        INSPECTION = "inspection", _("inspection or research")
        SUGGESTION = "suggestion", _("suggestion submitted")
        RECEPTION = "reception", _("constituents received")
        DEMAND = "demand", _("demand handled")
        REPORT = "report", _("demand reported from the field")
        REPORT_DONE = "report_done", _("field report answered")
        ANNUAL_REPORT = "annual_report", _("yearly report published")

    item = models.CharField(_("item"), max_length=20, choices=Item.choices, unique=True)
    points = models.PositiveSmallIntegerField(_("points each"))
    yearly_cap = models.PositiveSmallIntegerField(_("at most per year"), null=True, blank=True,
                                                  help_text=_("Empty: no cap."))

    class Meta:
        verbose_name = _("duty score rule")
        verbose_name_plural = _("duty score rules")

    def __str__(self) -> str:
        return f"{self.get_item_display()} · {self.points}"


class AnnualReport(models.Model):
    """代表述职: a deputy's yearly report to their constituents, rated by residents while it is published."""

    Status = ReportStatus

    deputy = models.ForeignKey(Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT,
                               related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    body = models.TextField(_("report"), max_length=5000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-year", "deputy__code"]
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        constraints = [models.UniqueConstraint(fields=["deputy", "year"], name="annual_report_once_a_year")]

    def __str__(self) -> str:
        return f"{self.deputy.name} · {self.year}"


class AnnualReportEvent(ImmutableEvent):
    """One step in a yearly report's history; a resident's rating writes none (no time beside a rater)."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=ReportAction.choices)

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("yearly report event")


class ReportRating(models.Model):
    """A resident's rating of a published report. `voter` is a digest of address and browser cookie: one each."""

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASIC = "basic", _("basically satisfied")
        DISSATISFIED = "dissatisfied", _("dissatisfied")

    report = models.ForeignKey(AnnualReport, verbose_name=_("yearly report"), on_delete=models.CASCADE,
                               related_name="ratings")
    verdict = models.CharField(_("rating"), max_length=12, choices=Verdict.choices)
    # Shown to the deputy and supervisors only: a resident may write a name or a phone into it.
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    voter = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report rating")
        verbose_name_plural = _("report ratings")
        constraints = [models.UniqueConstraint(fields=["report", "voter"], name="report_rating_once_per_voter")]


# ---------------------------------------------------------------- 两个联系, 代表小组, 联系群众


class ContactLink(models.Model):
    """常委会组成人员联系代表: a standing-committee member keeps in touch with a grassroots deputy."""

    member = models.ForeignKey(Deputy, verbose_name=_("standing-committee member"), on_delete=models.CASCADE,
                               related_name="linked_deputies", limit_choices_to={"is_standing_member": True})
    deputy = models.ForeignKey(Deputy, verbose_name=_("grassroots deputy"), on_delete=models.CASCADE,
                               related_name="linked_members")
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        ordering = ["member__code", "deputy__code"]
        verbose_name = _("contact link")
        verbose_name_plural = _("contact links")
        constraints = [
            models.UniqueConstraint(fields=["member", "deputy"], name="contact_link_once"),
            models.CheckConstraint(condition=~Q(member=models.F("deputy")), name="contact_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.member.name} → {self.deputy.name}"


class DeputyGroup(models.Model):
    """代表小组 (the deputies of a township) or 行业代表小组 (of a sector), with its own activities."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", _("township deputies' group")
        SECTOR = "sector", _("sector deputies' group")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    township = models.ForeignKey("grids.Township", verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="deputy_groups")
    sector = models.CharField(_("sector"), max_length=40, blank=True)
    leader = models.ForeignKey(Deputy, verbose_name=_("group leader"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    members = models.ManyToManyField(Deputy, verbose_name=_("members"), related_name="deputy_groups")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("deputies' group")
        verbose_name_plural = _("deputies' groups")

    def __str__(self) -> str:
        return self.name


class GroupActivity(models.Model):
    """An activity of a deputies' group; each member present gets a duty record of the matching kind, once."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("group meeting or study")
        INSPECTION = "inspection", _("inspection or research")
        RECEPTION = "reception", _("constituents received")

    group = models.ForeignKey(DeputyGroup, verbose_name=_("group"), on_delete=models.PROTECT,
                              related_name="activities")
    held_on = models.DateField(_("held on"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    participants = models.ManyToManyField(Deputy, verbose_name=_("members present"), related_name="group_activities")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("group activity")
        verbose_name_plural = _("group activities")

    def __str__(self) -> str:
        return f"{self.group} · {self.held_on} · {self.title}"


class ConstituentContact(models.Model):
    """联系群众: how many households of a grid a deputy keeps in fixed contact with. A count, never names."""

    deputy = models.ForeignKey(Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE,
                               related_name="constituent_contacts")
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    households = models.PositiveSmallIntegerField(_("households in fixed contact"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["deputy__code", "grid__code"]
        verbose_name = _("constituent contact")
        verbose_name_plural = _("constituent contacts")
        constraints = [models.UniqueConstraint(fields=["deputy", "grid"], name="constituent_contact_per_grid")]
