"""People's-congress deputies, their liaison stations, receptions and duty archive (docs/lifecycles.md#deputies)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
