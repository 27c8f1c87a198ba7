"""The two lifecycles of the yearly satisfaction evaluation (满意度测评) as data (docs/lifecycles.md#evaluations).
Services, pages and tests read these tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("being prepared")
    OPEN = "open", _("open for rating")
    COUNTED = "counted", _("counted")
    PUBLISHED = "published", _("published")
    CLOSED = "closed", _("closed")


class RoundAction(models.TextChoices):
    CREATE = "create", _("create the round")
    OPEN = "open", _("open rating")
    RATE_DEPUTY = "rate_deputy", _("rate as a deputy")
    RATE_RESIDENT = "rate_resident", _("rate as a resident")
    COUNT = "count", _("count")
    PUBLISH = "publish", _("publish")
    CLOSE = "close", _("close")


R = RoundStatus

# action -> (states it may start from, state it leads to; None keeps the state). A rating keeps the state and writes
# no event (the rating row is the record); counting freezes each unit's figures and ratings.
ROUND_TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    RoundAction.CREATE: (frozenset(), R.DRAFT),
    RoundAction.OPEN: (frozenset({R.DRAFT}), R.OPEN),
    RoundAction.RATE_DEPUTY: (frozenset({R.OPEN}), None),
    RoundAction.RATE_RESIDENT: (frozenset({R.OPEN}), None),
    RoundAction.COUNT: (frozenset({R.OPEN}), R.COUNTED),
    RoundAction.PUBLISH: (frozenset({R.COUNTED}), R.PUBLISHED),
    RoundAction.CLOSE: (frozenset({R.PUBLISHED}), R.CLOSED),
}
PUBLIC_STATES = frozenset({R.PUBLISHED, R.CLOSED})


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("to rectify")
    PLANNED = "planned", _("plan submitted")
    INTERVIEWED = "interviewed", _("interview held")
    DONE = "done", _("rectified")


class RectificationAction(models.TextChoices):
    CREATE = "create", _("rectification due")
    PLAN = "plan", _("submit the plan")
    INTERVIEW = "interview", _("record the interview")
    VERIFY = "verify", _("verify as rectified")


T = RectificationStatus

RECTIFICATION_TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    RectificationAction.CREATE: (frozenset(), T.OPEN),
    RectificationAction.PLAN: (frozenset({T.OPEN}), T.PLANNED),
    RectificationAction.INTERVIEW: (frozenset({T.PLANNED}), T.INTERVIEWED),
    RectificationAction.VERIFY: (frozenset({T.INTERVIEWED}), T.DONE),
}
