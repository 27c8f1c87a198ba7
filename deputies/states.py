"""The yearly report (代表述职) lifecycle as data (docs/lifecycles.md#yearly-reports). Services, pages and tests read
this one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published, open for rating")
    CLOSED = "closed", _("rating closed")


class ReportAction(models.TextChoices):
    WRITE = "write", _("write")
    EDIT = "edit", _("edit")
    PUBLISH = "publish", _("publish")
    RATE = "rate", _("rate")
    CLOSE = "close", _("close rating")


S = ReportStatus

# action -> (states it may start from, state it leads to; None keeps the state)
REPORT_TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    ReportAction.WRITE: (frozenset(), S.DRAFT),
    ReportAction.EDIT: (frozenset({S.DRAFT}), None),
    # Once published the text is what residents rated: it is not edited any more.
    ReportAction.PUBLISH: (frozenset({S.DRAFT}), S.PUBLISHED),
    ReportAction.RATE: (frozenset({S.PUBLISHED}), None),
    ReportAction.CLOSE: (frozenset({S.PUBLISHED}), S.CLOSED),
}
