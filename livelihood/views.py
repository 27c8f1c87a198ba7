"""Ballot pages: public round, results and projects; the deputy's voting page; staff screening and reporting.
Thin: each validates a form and calls one service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotFound, TransitionNotAllowed
from core.pages import submit_form
from core.ratelimit import over_limit, too_many

from . import permissions, selectors, services
from .forms import (
    BallotForm, CandidateForm, DeclineForm, EvaluationForm, MergeForm, ProgressForm, ProposalForm, ReportForm,
)
from .models import Round
from .states import RoundStatus


def _round(year) -> Round:
    try:
        return selectors.round_get(year=year)
    except NotFound as error:
        raise Http404(error.message) from None


def _project(pk):
    try:
        return selectors.project_get(pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None


def _results(round_):
    """The tally once the vote has closed (the first read counts the sealed ballots); None while it is hidden, or
    if the count refused a ballot box that does not match (staff see why when they publish)."""
    if not selectors.results_visible(round_):
        return None
    try:
        return selectors.round_results(round_=round_)
    except TransitionNotAllowed:
        return None


# ---------------------------------------------------------------- public pages


def _round_context(request, round_, proposal_form=None):
    status = round_.status
    deputy = permissions.voter_deputy(request.user)
    context = {
        "round": round_,
        "status": status,
        "S": RoundStatus,
        "rounds": Round.objects.order_by("-year"),
        "candidates": selectors.public_candidates(round_),
        "proposal_count": round_.proposals.count(),
        "results_visible": selectors.results_visible(round_),
        "projects": list(selectors.project_list(year=round_.year)),
        "can_vote": status == RoundStatus.VOTING and permissions.can_vote(request.user),
        "tie_rule": selectors.TIE_RULE,
    }
    if not context["projects"]:
        # While a new round collects and votes, last year's projects are the ones under way.
        latest = selectors.round_latest_published()
        if latest is not None and latest.pk != round_.pk:
            context["projects"], context["projects_round"] = list(selectors.project_list(year=latest.year)), latest
    if status == RoundStatus.COLLECTING:
        context["proposal_form"] = proposal_form or ProposalForm(deputy=deputy)
        context["as_deputy"] = deputy is not None
    if context["results_visible"]:
        context["results"] = _results(round_)
    return context


def round_current(request):
    round_ = selectors.round_current()
    if round_ is None:
        return render(request, "livelihood/round.html", {"round": None})
    return render(request, "livelihood/round.html", _round_context(request, round_))


def round_detail(request, year):
    round_ = _round(year)
    return render(request, "livelihood/round.html", _round_context(request, round_))


@require_POST
def propose(request, year):
    round_ = _round(year)
    if over_limit(request, "ballot_propose", settings.PAGE_SUBMIT_LIMIT, 3600):
        return too_many(request)
    deputy = permissions.voter_deputy(request.user)
    form = ProposalForm(request.POST, deputy=deputy)
    outcome = submit_form(form, lambda c: services.proposal_submit(
        round_id=round_.pk, actor=request.user, title=c["title"], content=c["content"], township=c.get("township"),
        contact_name=c.get("contact_name", ""), contact_phone=c.get("contact_phone", "")))
    if outcome.ok:
        messages.success(request, _("Thank you. Your proposal was received and will be screened with the others."))
        return redirect("livelihood:round", year=round_.year)
    context = _round_context(request, round_, proposal_form=form)
    if "proposal_form" not in context:  # the window closed meanwhile
        messages.error(request, _("This round is not collecting proposals now."))
    return render(request, "livelihood/round.html", context, status=outcome.status)


def results(request, year):
    round_ = _round(year)
    counted = _results(round_)
    if counted is None:
        return render(request, "livelihood/results.html", {"round": round_, "hidden": True},
                      status=409 if selectors.results_visible(round_) else 404)
    return render(request, "livelihood/results.html", {
        "round": round_, "results": counted, "tie_rule": selectors.TIE_RULE,
    })


def _project_context(request, project, form=None):
    return {
        "project": project,
        "progress": project.progress.order_by("-month"),
        "reports": project.reports.order_by("-year", "-quarter"),
        "satisfaction": selectors.project_satisfaction(project),
        "evaluation_open": project.round.evaluation_open,
        "form": form or EvaluationForm(),
        "deputy_done": selectors.deputy_has_evaluated(project=project, actor=request.user),
        "as_deputy": permissions.can_evaluate_as_deputy(request.user),
        "can_report": permissions.can_report_on(request.user, project),
    }


def project_detail(request, pk):
    project = _project(pk)
    return render(request, "livelihood/project.html", _project_context(request, project))


@require_POST
def evaluate(request, pk):
    project = _project(pk)
    if over_limit(request, "ballot_evaluate", settings.PAGE_SUBMIT_LIMIT, 3600):
        return too_many(request)
    form = EvaluationForm(request.POST)
    outcome = submit_form(form, lambda c: services.project_evaluate(
        project_id=project.pk, actor=request.user, rating=c["rating"], comment=c["comment"]))
    if outcome.ok:
        messages.success(request, _("Thank you for your evaluation."))
        return redirect("livelihood:project", pk=project.pk)
    return render(request, "livelihood/project.html", _project_context(request, project, form),
                  status=outcome.status)


# ---------------------------------------------------------------- deputies and staff


@login_required
def staff_home(request):
    if not permissions.can_view_screening(request.user):
        raise Http404
    return render(request, "livelihood/staff_home.html", {
        "rounds": selectors.round_list(),
        "can_vote": permissions.can_vote(request.user),
        "projects": [p for p in selectors.project_list() if permissions.can_report_on(request.user, p)],
    })


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, year):
    round_ = _round(year)
    if not permissions.can_vote(request.user):
        raise Http404
    form = BallotForm(request.POST or None, round_=round_)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.ballot_cast(
            round_id=round_.pk, actor=request.user, candidate_ids=c["candidates"]))
        if outcome.ok:
            messages.success(request, _("Your ballot was cast. Thank you."))
            return redirect("livelihood:vote", year=round_.year)
        status = outcome.status
    return render(request, "livelihood/vote.html", {
        "round": round_,
        "status": round_.status,
        "S": RoundStatus,
        "form": form,
        "has_voted": selectors.has_voted(round_=round_, actor=request.user),
        "candidates": selectors.public_candidates(round_),
    }, status=status)


def _screening_context(request, round_, **forms):
    proposals = selectors.proposals_for_screening(viewer=request.user, round_=round_)
    editable = round_.status in (RoundStatus.COLLECTING, RoundStatus.SCREENING)
    return {
        "round": round_,
        "status": round_.status,
        "S": RoundStatus,
        "proposals": proposals,
        "candidates": selectors.candidates_with_backing(round_).prefetch_related("proposals"),
        "show_contacts": permissions.can_see_proposal_contacts(request.user),
        "can_edit": editable and permissions.can_edit_candidates(request.user),
        "can_screen": round_.status == RoundStatus.SCREENING and permissions.can_screen(request.user),
        "can_publish": round_.status == RoundStatus.CLOSED and permissions.can_publish(request.user),
        "candidate_form": forms.get("candidate_form") or CandidateForm(round_=round_, prefix="candidate"),
        "merge_form": MergeForm(round_=round_, prefix="merge"),
        "decline_form": DeclineForm(prefix="decline"),
        "failed": forms.get("failed"),
        "results": _results(round_),
        "tie_rule": selectors.TIE_RULE,
        "voters": round_.voters.count(),
        "eligible": selectors.eligible_voter_count(),
    }


@login_required
def screening(request, year):
    round_ = _round(year)
    if not permissions.can_view_screening(request.user):
        raise Http404
    return render(request, "livelihood/screening.html", _screening_context(request, round_))


@login_required
@require_POST
def candidate_create(request, year):
    round_ = _round(year)
    if not permissions.can_view_screening(request.user):
        raise Http404
    form = CandidateForm(request.POST, round_=round_, prefix="candidate")
    outcome = submit_form(form, lambda c: services.candidate_create(
        round_id=round_.pk, actor=request.user, title=c["title"], description=c["description"], budget=c["budget"],
        department=c["department"], proposal_ids=[p.pk for p in c["proposals"]]))
    if outcome.ok:
        messages.success(request, _("The candidate project was added."))
        return redirect("livelihood:screening", year=round_.year)
    return render(request, "livelihood/screening.html", _screening_context(request, round_, candidate_form=form),
                  status=outcome.status)


def _staff_post(request, round_, call, done_message):
    """Run a one-button staff action and come back to the screening page with its message."""
    try:
        call()
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, " ".join([str(error.message)] + [str(m) for ms in error.field_errors.values() for m in ms]))
    else:
        messages.success(request, done_message)
    return redirect("livelihood:screening", year=round_.year)


@login_required
@require_POST
def proposal_merge(request, year, pk):
    round_ = _round(year)
    form = MergeForm(request.POST, round_=round_, prefix="merge")
    if not form.is_valid():
        messages.error(request, _("Choose the candidate to merge into."))
        return redirect("livelihood:screening", year=round_.year)
    return _staff_post(request, round_, lambda: services.proposal_merge(
        proposal_id=pk, actor=request.user, candidate_id=form.cleaned_data["candidate"].pk), _("The proposal was merged."))


@login_required
@require_POST
def proposal_decline(request, year, pk):
    round_ = _round(year)
    form = DeclineForm(request.POST, prefix="decline")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _staff_post(request, round_, lambda: services.proposal_decline(proposal_id=pk, actor=request.user,
                                                                          reason=reason),
                       _("The proposal was marked as not adopted."))


@login_required
@require_POST
def screen(request, year):
    round_ = _round(year)
    return _staff_post(request, round_, lambda: services.round_screen(round_id=round_.pk, actor=request.user),
                       _("The candidates are fixed and their numbers drawn by lot."))


@login_required
@require_POST
def publish(request, year):
    round_ = _round(year)
    return _staff_post(request, round_, lambda: services.round_publish(round_id=round_.pk, actor=request.user),
                       _("The results are published; the winners are now projects."))


def _project_staff_context(request, project, progress_form=None, report_form=None):
    today_year = project.round.year
    return {
        "project": project,
        "progress": project.progress.order_by("-month"),
        "reports": project.reports.order_by("-year", "-quarter"),
        "progress_form": progress_form or ProgressForm(prefix="progress"),
        "report_form": report_form or ReportForm(prefix="report", initial={"year": today_year}),
        "satisfaction": selectors.project_satisfaction(project),
    }


def _reportable(request, pk):
    project = _project(pk)
    if not permissions.can_report_on(request.user, project):
        raise Http404
    return project


@login_required
def project_staff(request, pk):
    project = _reportable(request, pk)
    return render(request, "livelihood/project_staff.html", _project_staff_context(request, project))


@login_required
@require_POST
def progress_add(request, pk):
    project = _reportable(request, pk)
    form = ProgressForm(request.POST, prefix="progress")
    outcome = submit_form(form, lambda c: services.project_progress_add(
        project_id=project.pk, actor=request.user, month=c["month"], percent=c["percent"], note=c["note"]))
    if outcome.ok:
        messages.success(request, _("The month's progress was recorded."))
        return redirect("livelihood:project_staff", pk=project.pk)
    return render(request, "livelihood/project_staff.html",
                  _project_staff_context(request, project, progress_form=form), status=outcome.status)


@login_required
@require_POST
def report_add(request, pk):
    project = _reportable(request, pk)
    form = ReportForm(request.POST, prefix="report")
    outcome = submit_form(form, lambda c: services.project_report_add(
        project_id=project.pk, actor=request.user, year=c["year"], quarter=c["quarter"], summary=c["summary"],
        spent=c["spent"]))
    if outcome.ok:
        messages.success(request, _("The quarterly report was filed."))
        return redirect("livelihood:project_staff", pk=project.pk)
    return render(request, "livelihood/project_staff.html",
                  _project_staff_context(request, project, report_form=form), status=outcome.status)
