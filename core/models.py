"""Records of the ground floor: the organisation's departments, the history row every lifecycle shares, and
stored API answers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A government department that handles demands, suggestions and livelihood projects."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    # What the department handles, named by the demand categories (a string reference: no import upwards).
    categories = models.ManyToManyField("demands.Category", verbose_name=_("categories handled"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        # The table keeps the name it had when the demands app held this model.
        db_table = "demands_department"
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.short_name or self.name


class ImmutableEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError(f"{self.model.__name__} rows are immutable.")

    def delete(self):
        # Deleting the row an event belongs to still cascades: the collector does not come through here.
        raise ValueError(f"{self.model.__name__} rows are immutable.")


class ImmutableEvent(models.Model):
    """One step in a lifecycle's history. Concrete models add the row it belongs to and their own choices."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ImmutableEventQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are immutable.")


class IdempotencyRecord(models.Model):
    """The first answer to an API request sent with an Idempotency-Key, replayed for repeats."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    # Empty while the claiming request runs; nobody else sees that state, the claim commits with its answer.
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table keeps the name it had when the portal app held this model.
        db_table = "portal_idempotencyrecord"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
