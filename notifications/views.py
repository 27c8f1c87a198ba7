"""The staff inbox. Thin: each view calls one selector or service."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import NotFound

from . import selectors, services
from .models import Notification

PAGE_SIZE = 30


def _kind(value) -> str:
    """A notification kind from a query or form, or "" for anything else."""
    return value if value in Notification.Kind.values else ""


def _back_to_inbox(request):
    # Stay on the page (and the kind) the button was on; only a plain page number and a known kind are echoed back.
    page, kind = request.POST.get("page", ""), _kind(request.POST.get("back_kind"))
    params = [f"kind={kind}"] if kind else []
    if page.isdigit() and page != "1":
        params.append(f"page={page}")
    url = reverse("notifications:inbox")
    return redirect(f"{url}?{'&'.join(params)}" if params else url)


@login_required
@require_GET
def inbox(request):
    """Unread notices as one digest per kind, then the notices already read; ?kind= lists one kind in full."""
    kind = _kind(request.GET.get("kind"))
    if kind:
        rows = selectors.notification_list(viewer=request.user, kind=kind)
        groups = []
    else:
        rows = selectors.notification_list(viewer=request.user, read=True)
        groups = selectors.unread_groups(viewer=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page,
        "groups": groups,
        "kind": kind,
        "kind_label": selectors.kind_label(kind) if kind else "",
        "unread": selectors.unread_count(request.user),
    })


@login_required
@require_POST
def notification_read(request, pk):
    try:
        services.notification_mark_read(notification_id=pk, user=request.user)
    except NotFound as error:
        raise Http404(error.message) from None
    return _back_to_inbox(request)


@login_required
@require_POST
def notifications_read_all(request):
    # With a kind: one digest of the inbox; without: everything. An unknown kind marks nothing.
    asked = request.POST.get("kind", "")
    if not asked or _kind(asked):
        services.notifications_mark_all_read(user=request.user, kind=asked)
    return _back_to_inbox(request)
