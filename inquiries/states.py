"""The supervision topic and special inquiry lifecycles as data (docs/lifecycles.md#special-inquiries).
Services, pages and tests read these tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("awaiting moderation")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class TopicAction(models.TextChoices):
    PROPOSE = "propose", _("propose a topic")
    ACCEPT = "accept", _("accept the topic")
    DECLINE = "decline", _("decline the topic")


class Status(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")
    FOLLOWING_UP = "following_up", _("following up")
    CLOSED = "closed", _("closed")


class Action(models.TextChoices):
    PLAN = "plan", _("plan an inquiry")
    ASK = "ask", _("ask a question")
    ANSWER = "answer", _("answer a question")
    HOLD = "hold", _("record the meeting as held")
    COMMIT = "commit", _("record a commitment")
    FOLLOW = "follow", _("start following up")
    PROGRESS = "progress", _("report progress on a commitment")
    DROP = "drop", _("close a commitment with a reason")
    CLOSE = "close", _("close the inquiry")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("in progress")
    DONE = "done", _("done")
    DROPPED = "dropped", _("closed with a reason")


T, S = TopicStatus, Status

# action -> (states it may start from, state it leads to; None keeps the state)
TOPIC_TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    TopicAction.PROPOSE: (frozenset(), T.PROPOSED),
    TopicAction.ACCEPT: (frozenset({T.PROPOSED}), T.ACCEPTED),
    TopicAction.DECLINE: (frozenset({T.PROPOSED}), T.DECLINED),
}

TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    Action.PLAN: (frozenset(), S.PLANNED),
    # Deputies send questions ahead of the meeting, and ask more at it.
    Action.ASK: (frozenset({S.PLANNED, S.HELD}), None),
    Action.HOLD: (frozenset({S.PLANNED}), S.HELD),
    # Departments answer at the meeting; the record is written after it.
    Action.ANSWER: (frozenset({S.HELD}), None),
    # A department's written reply after the meeting may add a commitment while it is followed up.
    Action.COMMIT: (frozenset({S.HELD, S.FOLLOWING_UP}), None),
    Action.FOLLOW: (frozenset({S.HELD}), S.FOLLOWING_UP),
    Action.PROGRESS: (frozenset({S.FOLLOWING_UP}), None),
    Action.DROP: (frozenset({S.FOLLOWING_UP}), None),
    Action.CLOSE: (frozenset({S.FOLLOWING_UP}), S.CLOSED),
}
