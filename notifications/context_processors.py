from .selectors import unread_count


def unread(request):
    """The header's badge: one COUNT on the (recipient, read_at) index, none for visitors."""
    return {"unread_notifications": unread_count(getattr(request, "user", None))}
