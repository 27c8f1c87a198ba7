"""Public pages opened by QR codes (代表码上见): a deputy's, a station's and a grid's landing page with the
submit form, their codes as images, printable posters, and the list of liaison stations. No personal data."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from core.browser import browser_key, keep_browser_key, new_browser_key, voter_digest
from core.pages import submit_form
from core.ratelimit import over_limit, too_many
from demands.views import submit_page
from grids.models import Grid, Township

from . import qr, selectors, services
from .models import AnnualReport, Deputy, ReportRating, Station
from .states import ReportAction, ReportStatus
from .schedule import next_reception_dates, schedule_text

LEVEL_RANK = {level: rank for rank, level in enumerate(Deputy.Level.values)}  # national first
KIND_RANK = {kind: rank for rank, kind in enumerate(Station.Kind.values)}  # 代表之家 first


# ---------------------------------------------------------------- public selectors (API and pages)


def public_deputies() -> QuerySet:
    active_stations = Station.objects.filter(is_active=True).order_by("code")
    return (Deputy.objects.filter(is_active=True).select_related("township")
            .prefetch_related(Prefetch("stations", queryset=active_stations)))


def public_stations() -> QuerySet:
    active_members = Deputy.objects.filter(is_active=True).select_related("township")
    return (Station.objects.filter(is_active=True).select_related("township", "community", "convener")
            .prefetch_related(Prefetch("members", queryset=active_members)))


def deputy_get_public(code: str) -> Deputy:
    deputy = public_deputies().filter(code=code).first()
    if deputy is None:
        raise Http404
    return deputy


def station_get_public(code: str) -> Station:
    station = public_stations().filter(code=code).first()
    if station is None:
        raise Http404
    return station


def grid_get_public(code: str) -> Grid:
    grid = Grid.objects.select_related("township", "community").filter(code=code).first()
    if grid is None:
        raise Http404
    return grid


def members_in_order(station) -> list[Deputy]:
    """Convener first, then by level (national down to township) and code."""
    return sorted(station.members.all(),
                  key=lambda d: (d.pk != station.convener_id, LEVEL_RANK.get(d.level, 9), d.code))


def station_facts(station, *, count: int = 3) -> dict:
    return {"station": station, "schedule": schedule_text(station),
            "next_dates": next_reception_dates(station, count=count)}


def _deputy_cards(deputies) -> list[dict]:
    return [{"deputy": d, "url": qr.deputy_url(d), "qr": qr.qr_svg_inline(qr.deputy_url(d), title=d.name,
                                                                            css_class="qr qr-member")}
            for d in deputies]


# ---------------------------------------------------------------- landing pages


@require_http_methods(["GET", "POST"])
def deputy_landing(request, code):
    deputy = deputy_get_public(code)
    context = {
        "deputy": deputy,
        "stations": [station_facts(s) for s in deputy.stations.all()],
        "grids": deputy.grids.select_related("community").order_by("code"),
        **deputy_profile(deputy),
    }
    return submit_page(request, template="deputies/public/deputy.html", context=context, channel="qr",
                       initial={"township": deputy.township_id}, addressed={"deputy": deputy})


@require_http_methods(["GET", "POST"])
def station_landing(request, code):
    station = station_get_public(code)
    context = {**station_facts(station), "members": members_in_order(station)}
    return submit_page(request, template="deputies/public/station.html", context=context, channel="qr",
                       initial={"township": station.township_id, "community": station.community_id},
                       addressed={"station": station})


@require_http_methods(["GET", "POST"])
def grid_landing(request, code):
    grid = grid_get_public(code)
    context = {"grid": grid, "deputies": grid.deputies.filter(is_active=True).select_related("township")}
    initial = {"township": grid.township_id, "community": grid.community_id, "grid": grid.pk}
    return submit_page(request, template="deputies/public/grid.html", context=context, channel="qr", initial=initial)


# ---------------------------------------------------------------- codes as images


@require_GET
def deputy_qr(request, code, fmt):
    deputy = deputy_get_public(code)
    return qr.qr_response(request, qr.deputy_url(deputy), fmt, filename=f"deputy-{deputy.code}")


@require_GET
def station_qr(request, code, fmt):
    station = station_get_public(code)
    return qr.qr_response(request, qr.station_url(station), fmt, filename=f"station-{station.code}")


@require_GET
def grid_qr(request, code, fmt):
    grid = grid_get_public(code)
    return qr.qr_response(request, qr.grid_url(grid), fmt, filename=f"grid-{grid.code}")


# ---------------------------------------------------------------- printable posters (A4)


@require_GET
def station_poster(request, code):
    station = station_get_public(code)
    return render(request, "deputies/public/station_print.html", {
        **station_facts(station),
        "qr": qr.qr_svg_inline(qr.station_url(station), title=station.name, css_class="qr qr-main"),
        "url": qr.station_url(station),
        "cards": _deputy_cards(members_in_order(station)),
    })


@require_GET
def grid_poster(request, code):
    grid = grid_get_public(code)
    deputies = sorted(grid.deputies.filter(is_active=True), key=lambda d: (LEVEL_RANK.get(d.level, 9), d.code))
    return render(request, "deputies/public/grid_print.html", {
        "grid": grid,
        "qr": qr.qr_svg_inline(qr.grid_url(grid), title=grid.name, css_class="qr qr-main"),
        "url": qr.grid_url(grid),
        "cards": _deputy_cards(deputies),
    })


# ---------------------------------------------------------------- the list of stations


class StationFilterForm(forms.Form):
    township = forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.all(), required=False,
                                      to_field_name="code", empty_label=_("All townships"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Station.Kind.choices])


@require_GET
def station_list(request):
    form = StationFilterForm(request.GET or None)
    stations = public_stations()
    if form.is_valid():
        if form.cleaned_data["township"]:
            stations = stations.filter(township=form.cleaned_data["township"])
        if form.cleaned_data["kind"]:
            stations = stations.filter(kind=form.cleaned_data["kind"])
    elif form.is_bound:
        stations = stations.none()
    stations = sorted(stations, key=lambda s: (s.township.sort, KIND_RANK.get(s.kind, 9), s.code))
    rows = [station_facts(s, count=2) for s in stations]
    return render(request, "deputies/public/stations.html", {"form": form, "rows": rows},
                  status=400 if form.is_bound and form.errors else 200)


# ---------------------------------------------------------------- the public profile and 代表述职


def deputy_profile(deputy) -> dict:
    """What a deputy shows their constituents: counts of duties by kind and year, this year's field reports and
    score, and published yearly reports with their ratings. Counts only: no title, no detail, no comment."""
    year = timezone.localdate().year
    kinds, by_year = selectors.duty_counts_by_year(deputy)
    reports = selectors.field_reports([deputy.pk], timezone.localdate().replace(month=1, day=1),
                                      timezone.localdate()).get(deputy.pk, selectors.FieldReports())
    return {"duty_kinds": kinds, "duty_years": by_year, "field_reports": reports, "score_year": year,
            "score": selectors.duty_scores([deputy.pk], year)[deputy.pk],
            "annual_reports": selectors.public_reports(deputy),
            "deputy_groups": selectors.group_activities_by_year(deputy),
            "households": selectors.households_in_contact(deputy),
            **selectors.links_of(deputy)}


RATER_COOKIE = "rater"


class RatingForm(forms.Form):
    verdict = forms.ChoiceField(label=_("How satisfied are you with this report?"), choices=ReportRating.Verdict.choices,
                                widget=forms.RadioSelect)
    comment = forms.CharField(label=_("A word to the deputy (optional)"), required=False,
                              max_length=services.COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Seen only by the deputy and the people's congress office, never published. "
                                          "Do not write your name or phone number."))


@require_http_methods(["GET", "POST"])
def annual_report(request, code, year):
    deputy = deputy_get_public(code)
    report = (AnnualReport.objects.filter(deputy=deputy, year=year)
              .exclude(status=ReportStatus.DRAFT).first())
    if report is None:
        raise Http404
    form = RatingForm(request.POST if request.method == "POST" else None)
    # One rating per browser and report: the digest names neither the address nor the cookie, and differs from
    # report to report, so one browser's ratings cannot be linked. Without the cookie the service refuses (400).
    key = browser_key(request, RATER_COOKIE)
    status = 200
    if request.method == "POST":
        if over_limit(request, "report_rate", settings.PAGE_SUBMIT_LIMIT, 3600):
            return too_many(request)
        outcome = submit_form(form, lambda c: services.report_rate(
            report_id=report.pk, actor=request.user, voter=voter_digest(key, "annual_report", report.pk) if key else "",
            verdict=c["verdict"], comment=c["comment"]))
        if outcome.ok:
            messages.success(request, gettext("Thank you: your rating was counted."))
            return redirect("deputies_public:annual_report", code=deputy.code, year=report.year)
        status = outcome.status
    is_open = report.status == ReportStatus.PUBLISHED
    # A staff account is told before it fills the form in, not after (the service refuses it all the same).
    refusal = services.REPORTS.refusal(request.user, report, ReportAction.RATE) if is_open else None
    results = selectors.rating_results([report.pk])[report.pk]
    response = render(request, "deputies/public/annual_report.html", {
        "deputy": deputy, "report": report, "results": results, "form": form,
        "open": is_open and refusal is None, "refusal": refusal}, status=status)
    return keep_browser_key(response, RATER_COOKIE, key or new_browser_key()) if is_open else response


@require_GET
def score_rule(request):
    return render(request, "deputies/public/score_rule.html", {"rule": selectors.score_rule()})
