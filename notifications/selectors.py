"""Reading the inbox."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from .models import Notification


def notification_list(*, viewer) -> QuerySet:
    """The viewer's own notifications, unread first, newest first within each group."""
    if not getattr(viewer, "is_authenticated", False):
        return Notification.objects.none()
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return (
        Notification.objects.filter(recipient_id=viewer.pk)
        .select_related("demand")
        .order_by(unread.desc(), "-created_at", "-id")
    )


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
