"""The deputy's phone workbench, receptions and duty archive (staff pages). Thin: forms in, services called."""

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

from . import hooks, permissions, selectors, services
from .forms import AnswerForm, DutyRecordForm, ForwardForm, ParticipationForm, ReceptionDemandForm, ReceptionForm
from .models import DutyRecord, Term
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
