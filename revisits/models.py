"""Call-back tasks (回访): the centre calls the resident after a reply and after every dissatisfied rating."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ImmutableEvent
from demands.models import Demand, DemandEvent, Rating

from .states import Action, Reason, Status

MAX_SAID_LENGTH = 1000


class RevisitTask(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="revisit_tasks")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    # The demand's handling round when the task fell due (its rework count then): one reply and at most one rating
    # happen per round, so (demand, reason, round) names one task and a repeated signal cannot add a second.
    round = models.PositiveSmallIntegerField(_("handling round"), default=0)
    source_event = models.ForeignKey(DemandEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    view = models.CharField(_("resident's view"), max_length=20, choices=Rating.choices, blank=True)
    said = models.TextField(_("what the resident said"), blank=True)
    reopened = models.BooleanField(_("reopened after the call"), default=False)
    created_at = models.DateTimeField(_("due since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("call-back task")
        verbose_name_plural = _("call-back tasks")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "reason", "round"], name="revisit_task_once_per_round"),
            models.CheckConstraint(name="revisit_reached_has_view",
                                   condition=~Q(status=Status.REACHED) | ~Q(view="")),
        ]
        indexes = [
            # The centre's list: open tasks, oldest first.
            models.Index(fields=["status", "created_at"], name="revisit_task_status_age"),
        ]

    def __str__(self) -> str:
        return f"{self.demand} · {self.get_reason_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class RevisitEvent(ImmutableEvent):
    """One step of a call-back: due, number shown, reached, not reached, closed. Never holds the phone number."""

    task = models.ForeignKey(RevisitTask, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("call-back event")
        verbose_name_plural = _("call-back events")

    def __str__(self) -> str:
        return f"{self.task_id} {self.action} {self.from_status}→{self.to_status}"
