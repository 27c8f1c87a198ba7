"""Records of the ground floor: the history row every lifecycle shares, and stored API answers."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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
