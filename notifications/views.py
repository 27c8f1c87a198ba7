"""The staff inbox. Thin: each view calls one selector or service."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.errors import NotFound

from . import selectors, services

PAGE_SIZE = 30


def _back_to_inbox(request):
    # Stay on the page the button was on; only a plain page number is ever echoed back.
    page = request.POST.get("page", "")
    url = reverse("notifications:inbox")
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.notification_list(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page,
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
    services.notifications_mark_all_read(user=request.user)
    return _back_to_inbox(request)
