"""The call-back task lifecycle as data (docs/lifecycles.md#call-backs)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OPEN = "open", _("to call")
    REACHED = "reached", _("reached")
    UNREACHED = "unreached", _("not reached")
    UNCALLABLE = "uncallable", _("cannot be called")


class Reason(models.TextChoices):
    REPLY = "reply", _("after the reply")
    DISSATISFIED = "dissatisfied", _("after a dissatisfied rating")


class Action(models.TextChoices):
    CREATE = "create", _("call-back due")
    REVEAL = "reveal", _("show number")
    REACH = "reach", _("record the call-back")
    MISS = "miss", _("record a missed call")
    CLOSE_UNCALLABLE = "close_uncallable", _("close as not callable")


S = Status
CLOSED_STATES = frozenset({S.REACHED, S.UNREACHED, S.UNCALLABLE})

# action -> (states it may start from, state it leads to; None keeps the state). A miss keeps the task open
# until the last allowed attempt, which the service closes as `unreached`.
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    Action.CREATE: (frozenset(), S.OPEN),
    Action.REVEAL: (frozenset({S.OPEN}), None),
    Action.REACH: (frozenset({S.OPEN}), S.REACHED),
    Action.MISS: (frozenset({S.OPEN}), None),
    Action.CLOSE_UNCALLABLE: (frozenset({S.OPEN}), S.UNCALLABLE),
}
