"""Users and the role that decides what each one sees and may do."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("dispatcher")
    GRID_WORKER = "grid_worker", _("grid worker")
    MICRO_GRID_LEADER = "micro_grid_leader", _("micro-grid leader")
    HANDLER = "handler", _("department handler")
    SUPERVISOR = "supervisor", _("supervisor")
    DEPUTY = "deputy", _("deputy")
    RESIDENT = "resident", _("resident")
    INTEGRATION = "integration", _("integration client")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Set when the holder of `phone` proved it with an SMS code: only then do the demands given with that number
    # count as this resident's (我的诉求).
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    # Scope: a township dispatcher or supervisor works in one township; empty means the whole district.
    township = models.ForeignKey(
        "grids.Township", verbose_name=_("township"), null=True, blank=True, on_delete=models.PROTECT
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="workers",
    )
    # A micro-grid leader's one micro-grid; their `grid` is the micro-grid's grid (clean() holds the two together).
    micro_grid = models.ForeignKey(
        "grids.MicroGrid", verbose_name=_("micro-grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="leaders",
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="handlers",
    )
    deputy = models.OneToOneField(
        "deputies.Deputy", verbose_name=_("deputy"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="user",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        needs = {
            Role.GRID_WORKER: ("grid", _("A grid worker must be assigned to a grid.")),
            Role.HANDLER: ("department", _("A department handler must belong to a department.")),
            Role.DEPUTY: ("deputy", _("A deputy account must be linked to a deputy.")),
        }
        if self.role in needs:
            field, message = needs[self.role]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})
        if self.role == Role.MICRO_GRID_LEADER:
            if self.micro_grid_id is None:
                raise ValidationError({"micro_grid": _("A micro-grid leader must be assigned to a micro-grid.")})
            if self.grid_id is not None and self.grid_id != self.micro_grid.grid_id:
                raise ValidationError({"grid": _("The micro-grid lies in another grid.")})
            self.grid_id = self.micro_grid.grid_id  # their grid is the micro-grid's: the scope reads both

    @property
    def is_district_level(self) -> bool:
        return self.township_id is None


class PhoneCode(models.Model):
    """A one-time sign-in code sent by SMS (docs/threat-model.md#sms-sign-in). Only its keyed digest is kept."""

    phone = models.CharField(_("phone"), max_length=20)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS sign-in code")
        verbose_name_plural = _("SMS sign-in codes")
        indexes = [models.Index(fields=["phone", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"
