"""People's-congress deputies; for now what a demand needs to be addressed to one (DESIGN §6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["township__sort", "code"]
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")

    def __str__(self) -> str:
        return f"{self.name} · {self.get_level_display()}"
