"""The supervisors' and dispatchers' dashboard (docs/figures.md) and the public statistics pages."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grids.models import Township

from . import export, selectors
from .forms import DashboardForm
from .selectors import dashboard_report, require_dashboard_viewer


def _report(request):
    """The filter form and the report it asks for; bad input shows its errors beside the default figures."""
    require_dashboard_viewer(request.user)
    form = DashboardForm(request.GET or None, viewer=request.user)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    report = dashboard_report(request.user, filters, granularity=form.trend_granularity(filters),
                              by=form.breakdown_key())
    return form, filters, report


@login_required
def dashboard(request):
    form, filters, report = _report(request)
    without_by = request.GET.copy()
    without_by.pop("by", None)
    chart_data = {
        "names": {"received": _("Received"), "closed": _("Closed"), "solved": _("Solved")},
        "trend": {"labels": [r["label"] for r in report["trend"]],
                  "received": [r["received"]["value"] for r in report["trend"]],
                  "closed": [r["closed"]["value"] for r in report["trend"]],
                  "solved": [r["solved"]["value"] for r in report["trend"]]},
        "breakdown": {"labels": [r["label"] for r in report["breakdown"]["rows"]],
                      "received": [r["received"]["value"] for r in report["breakdown"]["rows"]],
                      "closed": [r["closed"]["value"] for r in report["breakdown"]["rows"]]},
    }
    return render(request, "supervise/dashboard.html", {
        "form": form, "filters": filters, "report": report, "query": request.GET.urlencode(),
        "query_without_by": without_by.urlencode(), "breakdown_choices": form.fields["by"].choices,
        "chart_data": chart_data,
    }, status=400 if form.is_bound and form.errors else 200)


@login_required
def export_csv(request):
    form, filters, report = _report(request)
    return export.csv_response(request.user, filters, report)


@login_required
def export_xlsx(request):
    form, filters, report = _report(request)
    return export.xlsx_response(request.user, filters, report)


# ---------------------------------------------------------------- public statistics (no personal data)

PUBLIC_CACHE_SECONDS = 600  # public and anonymous: computed at most every ten minutes per page and language


def _cached(key: str, compute):
    key = f"stats:{key}:{get_language()}:{timezone.localdate().isoformat()}"
    return cache.get_or_set(key, compute, PUBLIC_CACHE_SECONDS)


def stats_index(request):
    data = _cached("index", selectors.district_stats)
    return render(request, "supervise/public_index.html", data)


def stats_township(request, code):
    township = Township.objects.filter(code=code).first()
    if township is None:
        raise Http404
    data = _cached(f"township:{township.code}", lambda: selectors.township_stats(township))
    return render(request, "supervise/public_township.html", data)
