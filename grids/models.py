"""Places: district → township → community → grid → micro-grid (docs/architecture.md#places)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    class Kind(models.TextChoices):
        STREET = "street", _("street")
        TOWN = "town", _("town")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="townships")
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="communities")
    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="community_name_unique_in_township")
        ]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids")
    # Denormalised so that scope queries filter one column instead of joining through communities.
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="grids")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    polygon = models.JSONField(_("boundary (GeoJSON polygon)"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    def __str__(self) -> str:
        return self.name

    @property
    def geometry(self) -> dict:
        """Its boundary as GeoJSON, or its centroid where no usable boundary was entered."""
        polygon = self.polygon
        if isinstance(polygon, dict) and polygon.get("type") in ("Polygon", "MultiPolygon") and polygon.get("coordinates"):
            return {"type": polygon["type"], "coordinates": polygon["coordinates"]}
        return {"type": "Point", "coordinates": [float(self.lng), float(self.lat)]}


class MicroGrid(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="micro_grids")
    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["code"]
        verbose_name = _("micro-grid")
        verbose_name_plural = _("micro-grids")

    def __str__(self) -> str:
        return self.name
