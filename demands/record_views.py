"""代录, 巡查上报 and 代表网格通: staff type in a demand they took down, through demands.services.demand_record."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from core.pages import submit_form
from core.ratelimit import over_limit, too_many

from . import services
from .forms import RecordForm

# The roles with a recording page; integrations record through the API.
RECORDERS = (Role.DISPATCHER, Role.GRID_WORKER, Role.MICRO_GRID_LEADER, Role.DEPUTY)


def may_record(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in RECORDERS and user.is_active


def _record(user, form, cleaned) -> object:
    fields = {key: cleaned.get(key) for key in ("type", "content", "township", "community", "grid", "micro_grid",
                                               "address",
                                               "contact_name", "contact_phone", "photos", "lat", "lng")
              if key in form.fields}
    fields["photos"] = fields.get("photos") or ()
    route = solved = None
    if cleaned.get("dispatch_now"):
        route = {"type": cleaned["type"], "category": cleaned["category"], "grid": cleaned["grid"],
                 "urgency": cleaned.get("urgency") or "normal", "unit": form.chosen_unit()}
    if cleaned.get("on_the_spot"):
        solved = {"type": cleaned["type"], "category": cleaned["category"], "urgency": cleaned.get("urgency"),
                  "reply": cleaned["reply"]}
    return services.demand_record(actor=user, channel=cleaned["channel"], route=route, solved=solved, **fields)


@login_required
@require_http_methods(["GET", "POST"])
def record(request):
    if not may_record(request.user):
        raise Http404  # residents, handlers and supervisors have no such page
    channels = services.recording_channels(request.user)
    status = 200
    if request.method == "POST":
        if over_limit(request, "record", settings.PAGE_ACTION_LIMIT, 3600):
            return too_many(request)
        form = RecordForm(request.POST, request.FILES, user=request.user, channels=channels)
        outcome = submit_form(form, lambda cleaned: _record(request.user, form, cleaned))
        if outcome.ok:
            demand = outcome.value
            messages.success(request, _("Recorded as demand %(no)s.") % {"no": demand.public_no})
            return redirect("demands:detail", pk=demand.pk)
        status = outcome.status
    else:
        form = RecordForm(user=request.user, channels=channels,
                          initial={"township": request.user.township_id} if request.user.township_id else None)
    return render(request, "demands/record.html", {"form": form, "role": request.user.role}, status=status)
