"""The deputy's phone workbench, receptions and duty archive (staff pages). Thin: forms in, services called."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from demands import services as demand_services
from demands.selectors import demand_get_for
from core.errors import ApplicationError, NotFound
from core.pages import submit_form
from core.validators import valid_pk

from . import hooks, permissions, selectors, services
from .forms import (AnswerForm, ContactsForm, DutyRecordForm, EmptyForm, ForwardForm, GroupActivityForm,
                    ParticipationForm, ReceptionDemandForm, ReceptionForm, ReportEditForm, ReportWriteForm,
                    ScoreYearForm)
from .models import DutyRecord, Term
from .services import REPORTS
from .schedule import next_reception_dates


def _deputy_or_404(request):
    if not permissions.is_deputy(request.user):
        raise Http404
    return request.user.deputy


@login_required
def home(request):
    if not permissions.is_deputy(request.user):
        if permissions.can_read_participation(request.user):
            return redirect("deputies:participation")
        raise Http404
    deputy = request.user.deputy
    today = timezone.localdate()
    stations = [(s, next_reception_dates(s, today=today, count=2)) for s in selectors.stations_of(request.user)]
    return render(request, "deputies/home.html", {
        "deputy": deputy,
        "waiting": selectors.deputy_waiting(deputy),
        "following": selectors.deputy_following(deputy)[:30],
        "answered": selectors.deputy_recently_answered(deputy),
        "stations": stations,
        "answer_form": AnswerForm(),
        "forward_form": ForwardForm(),
        "recent_duties": deputy.duty_records.all()[:5],
        **hooks.home_extras(deputy),
    })


def demand_step(request, pk, run, form_class=None):
    """One step on a demand from the deputy's home page; refusals come back as messages there."""
    _deputy_or_404(request)
    try:
        demand = demand_get_for(viewer=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for message in errors:
                messages.error(request, f"{demand.public_no} · {label}：{message}" if label else message)
        return redirect("deputies:home")
    try:
        run(demand, form.cleaned_data if form else {})
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        details = [m for ms in error.field_errors.values() for m in ms] or [error.message]
        for message in details:
            messages.error(request, f"{demand.public_no}：{message}")
    else:
        messages.success(request, _("Done: demand %(code)s.") % {"code": demand.public_no})
    return redirect("deputies:home")


@login_required
@require_POST
def demand_take(request, pk):
    return demand_step(request, pk, lambda d, c: demand_services.demand_accept(demand_id=d.pk, actor=request.user))


@login_required
@require_POST
def demand_answer(request, pk):
    return demand_step(request, pk, lambda d, c: services.deputy_answer(
        demand_id=d.pk, actor=request.user, reply=c["reply"], outcome=c["outcome"]), AnswerForm)


@login_required
@require_POST
def demand_forward(request, pk):
    return demand_step(request, pk, lambda d, c: demand_services.demand_forward(
        demand_id=d.pk, actor=request.user, note=c["note"]), ForwardForm)


# ---------------------------------------------------------------- duty archive


@login_required
@require_http_methods(["GET", "POST"])
def duties(request):
    deputy = _deputy_or_404(request)
    form = DutyRecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.duty_record_write(
            actor=request.user, kind=c["kind"], title=c["title"], occurred_on=c["occurred_on"], detail=c["detail"]))
        if outcome.ok:
            messages.success(request, _("The duty record was added to your archive."))
            return redirect("deputies:duties")
        status = outcome.status
    kind = request.GET.get("kind", "")
    records = deputy.duty_records.all()
    if kind in DutyRecord.Kind.values:
        records = records.filter(kind=kind)
    return render(request, "deputies/duties.html", {
        "deputy": deputy, "form": form, "kind": kind, "kinds": DutyRecord.Kind.choices,
        "page": Paginator(records, 30).get_page(request.GET.get("page")),
        "terms": Term.objects.all(),
    }, status=status)


@login_required
def book(request, code):
    try:
        deputy = selectors.deputy_get_for(viewer=request.user, code=code)
    except NotFound:
        raise Http404 from None
    term_id = request.GET.get("term", "")
    term = Term.objects.filter(pk=term_id).first() if term_id.isdigit() else selectors.current_term(timezone.localdate())
    if term is None:
        raise Http404
    return render(request, "deputies/book.html", {
        "book": selectors.term_book(deputy, term), "terms": Term.objects.all(),
        "stations": deputy.stations.filter(is_active=True), "grids": deputy.grids.all(),
    })


@login_required
def participation(request):
    if not permissions.can_read_participation(request.user):
        raise Http404
    # Bound even without a query: every field is optional and the form fills in this year.
    form = ParticipationForm(request.GET)
    figures = None
    if form.is_valid():
        c = form.cleaned_data
        figures = selectors.participation(start=c["start"], end=c["end"], township=c.get("township"),
                                          level=c.get("level", ""), viewer=request.user)
    return render(request, "deputies/participation.html", {"form": form, "figures": figures},
                  status=200 if figures is not None else 400)


# ---------------------------------------------------------------- receptions


@login_required
def receptions(request):
    stations = selectors.stations_of(request.user)
    if not stations.exists() and not permissions.is_supervisor(request.user):
        raise Http404
    page = Paginator(selectors.receptions_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "deputies/receptions.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def reception_new(request):
    stations = selectors.stations_of(request.user)
    if not stations.exists():
        raise Http404
    initial = {"deputies": [request.user.deputy_id]} if permissions.is_deputy(request.user) else {}
    form = ReceptionForm(request.POST or None, stations=stations, initial=initial)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.reception_record(
            actor=request.user, station=c["station"], held_on=c["held_on"], deputies=c["deputies"],
            topics=c["topics"], visitor_count=c["visitor_count"], visitors=c["visitors"],
            demand_numbers=c["demand_numbers"]))
        if outcome.ok:
            messages.success(request, _("The reception was logged."))
            return redirect("deputies:reception", pk=outcome.value.pk)
        status = outcome.status
    return render(request, "deputies/reception_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reception_detail(request, pk):
    try:
        reception = selectors.reception_get_for(viewer=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    form = ReceptionDemandForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.reception_add_demand(
            reception_id=reception.pk, actor=request.user, **c))
        if outcome.ok:
            messages.success(request, _("Demand %(code)s was registered and linked to this reception.")
                             % {"code": outcome.value.public_no})
            return redirect("deputies:reception", pk=reception.pk)
        status = outcome.status
    return render(request, "deputies/reception_detail.html", {"reception": reception, "form": form}, status=status)


# ---------------------------------------------------------------- yearly reports (代表述职) and scores


@login_required
@require_http_methods(["GET", "POST"])
def reports(request):
    """A deputy's reports and the form to start one; a supervisor's list of their township's reports."""
    is_deputy = permissions.is_deputy(request.user)
    if not (is_deputy or permissions.is_supervisor(request.user)):
        raise Http404
    form = ReportWriteForm(request.POST if request.method == "POST" else None) if is_deputy else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        outcome = submit_form(form, lambda c: services.report_write(actor=request.user, year=c["year"],
                                                                    body=c["body"]))
        if outcome.ok:
            messages.success(request, _("Your yearly report was saved as a draft."))
            return redirect("deputies:report", pk=outcome.value.pk)
        status = outcome.status
    rows = list(selectors.reports_visible_to(request.user)[:200])
    results = selectors.rating_results([r.pk for r in rows])
    for r in rows:
        r.results = results[r.pk]
    return render(request, "deputies/reports.html", {"rows": rows, "form": form}, status=status)


def _report_or_404(request, pk):
    report = selectors.reports_visible_to(request.user).filter(pk=pk).first() if valid_pk(pk) else None
    if report is None:
        raise Http404
    return report


def _report_page(request, report, *, edit_form=None, status=200):
    ratings = report.ratings.all()[:500]
    return render(request, "deputies/report.html", {
        "report": report, "edit_form": edit_form or ReportEditForm(initial={"body": report.body}),
        "actions": REPORTS.available_actions(request.user, report, ["edit", "publish", "close"]),
        "results": selectors.rating_results([report.pk])[report.pk], "ratings": ratings,
        "events": report.events.all(),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk):
    report = _report_or_404(request, pk)
    if request.method == "POST":
        form = ReportEditForm(request.POST)
        outcome = submit_form(form, lambda c: services.report_edit(report_id=report.pk, actor=request.user,
                                                                   body=c["body"]))
        if outcome.ok:
            messages.success(request, _("The draft was saved."))
            return redirect("deputies:report", pk=report.pk)
        return _report_page(request, report, edit_form=form, status=outcome.status)
    return _report_page(request, report)


def _report_step(request, pk, call, done):
    """Publish or close from the report's page; a refusal is shown once, above the page, with its status."""
    report = _report_or_404(request, pk)
    form = EmptyForm(request.POST)
    outcome = submit_form(form, lambda c: call(report.pk))
    if outcome.ok:
        messages.success(request, done)
        return redirect("deputies:report", pk=report.pk)
    for message in form.non_field_errors():
        messages.error(request, message)
    return _report_page(request, report, status=outcome.status)


@login_required
@require_POST
def report_publish(request, pk):
    return _report_step(request, pk, lambda report_id: services.report_publish(report_id=report_id, actor=request.user),
                        _("The report is published; residents can read and rate it."))


@login_required
@require_POST
def report_close(request, pk):
    return _report_step(request, pk, lambda report_id: services.report_close(report_id=report_id, actor=request.user),
                        _("Rating of the report is closed."))


@login_required
def scores(request):
    """履职积分 of every deputy in the supervisor's scope for a year, highest first."""
    if not permissions.can_read_scores(request.user):
        raise Http404
    form = ScoreYearForm(request.GET)
    year = timezone.localdate().year
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    rows = selectors.score_ranking(viewer=request.user, year=year)
    return render(request, "deputies/scores.html", {"form": form, "year": year, "rows": rows,
                                                    "rule": selectors.score_rule()},
                  status=200 if form.is_valid() else 400)


# ---------------------------------------------------------------- deputies' groups and 联系群众


@login_required
def groups(request):
    if not (permissions.is_deputy(request.user) or permissions.is_supervisor(request.user)):
        raise Http404
    rows = selectors.groups_visible_to(request.user).prefetch_related("members")
    return render(request, "deputies/groups.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request, pk):
    try:
        group = selectors.group_get_for(viewer=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    can_record = permissions.can_record_group_activity(request.user, group)
    form = GroupActivityForm(request.POST if request.method == "POST" else None, group=group)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.group_activity_record(
            actor=request.user, group_id=group.pk, held_on=c["held_on"], kind=c["kind"], title=c["title"],
            participants=c["participants"]))
        if outcome.ok:
            messages.success(request, _("The activity was logged; members present have it in their archive."))
            return redirect("deputies:group", pk=group.pk)
        status = outcome.status
    activities = Paginator(group.activities.prefetch_related("participants"), 30).get_page(request.GET.get("page"))
    return render(request, "deputies/group.html", {
        "group": group, "members": group.members.order_by("code"), "page": activities,
        "form": form if can_record else None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request):
    """A deputy's households in fixed contact per grid; a supervisor's coverage figure and table."""
    if permissions.is_supervisor(request.user):
        coverage, rows = selectors.contact_coverage(viewer=request.user)
        if request.method == "POST":
            raise Http404
        return render(request, "deputies/contacts_coverage.html", {"coverage": coverage, "rows": rows})
    deputy = _deputy_or_404(request)
    form = ContactsForm(request.POST if request.method == "POST" else None, deputy=deputy)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.contacts_set(actor=request.user, households=form.households()))
        if outcome.ok:
            messages.success(request, _("Your fixed contacts were saved."))
            return redirect("deputies:contacts")
        status = outcome.status
    return render(request, "deputies/contacts.html", {
        "form": form, "total": selectors.households_in_contact(deputy),
        "minimum": settings.DEPUTY_FIXED_CONTACTS_MIN}, status=status)
