"""Reading the inbox: unread notices as one digest per kind, the rest as a list."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet

from .models import Notification

# How many of a digest's newest notices the inbox shows; the rest are one link away.
GROUP_PREVIEW = 10


def _own(viewer) -> QuerySet:
    if not getattr(viewer, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=viewer.pk)


def kind_label(kind: str) -> str:
    return str(dict(Notification.Kind.choices).get(kind, kind))


def notification_list(*, viewer, kind: str = "", read: bool | None = None) -> QuerySet:
    """The viewer's own notifications, unread first, newest first within each group; narrowed to one kind, or to
    read (True) or unread (False) ones."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    rows = _own(viewer)
    if kind:
        rows = rows.filter(kind=kind)
    if read is not None:
        rows = rows.filter(read_at__isnull=not read)
    return rows.select_related("demand").order_by(unread.desc(), "-created_at", "-id")


@dataclass
class UnreadGroup:
    """The unread notices of one kind: how many, the newest one's time, and the newest few."""

    kind: str
    count: int
    latest: dt.datetime
    items: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def unread_groups(*, viewer, preview: int = GROUP_PREVIEW) -> list[UnreadGroup]:
    """The viewer's unread notifications as one digest per kind, the kind with the newest notice first: 37
    overdue notices read as one line "deadline passed ×37", not 37 lines. One query, then one per kind."""
    unread = _own(viewer).filter(read_at__isnull=True)
    summary = unread.order_by().values("kind").annotate(count=Count("id"), latest=Max("created_at"))
    groups = [UnreadGroup(kind=row["kind"], count=row["count"], latest=row["latest"]) for row in summary]
    groups.sort(key=lambda g: (g.latest, g.kind), reverse=True)
    for group in groups:
        group.items = list(unread.filter(kind=group.kind).select_related("demand")
                           .order_by("-created_at", "-id")[:preview])
    return groups


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
