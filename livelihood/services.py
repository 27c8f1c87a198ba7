"""Doing things in the ballot: one function, one transaction each."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core.actors import SYSTEM, is_staff_user
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.validators import PHONE_RE, valid_pk
from core.workflow import Lifecycle
from core.models import Department
from deputies.models import DutyRecord
from deputies.services import duty_record_add
from grids.models import Township

from . import permissions, sealing, selectors
from .models import (
    BallotEvent, Candidate, Evaluation, Project, ProjectProgress, ProjectReport, Proposal, Round, SealedBallot, VoterRecord,
)
from .states import (
    PROPOSAL_TRANSITIONS, ROUND_ALLOWS, ROUND_TRANSITIONS, ProposalAction, ProposalStatus, RoundAction, RoundStatus,
)


def _staff_only(can):
    return lambda actor, _row: can(actor)


CANDIDATES_FIXED = gettext_lazy("The candidates of this round are fixed.")

# Rounds are public: everyone may see one, so the engine's scope check passes and state and right decide.
ROUNDS = Lifecycle(
    model=Round,
    transitions=ROUND_TRANSITIONS,
    can={
        RoundAction.EDIT: _staff_only(permissions.can_open_round),
        RoundAction.EDIT_TERMS: _staff_only(permissions.can_open_round),
        RoundAction.PROPOSE: lambda actor, round_: True,
        RoundAction.EDIT_CANDIDATES: _staff_only(permissions.can_edit_candidates),
        RoundAction.SCREEN: _staff_only(permissions.can_screen),
        RoundAction.VOTE: _staff_only(permissions.can_vote),
        RoundAction.TALLY: lambda actor, round_: actor is SYSTEM or permissions.can_publish(actor),
        RoundAction.PUBLISH: _staff_only(permissions.can_publish),
    },
    can_view=lambda actor, round_: True,
    refused=gettext_lazy("“%(action)s” is not possible while the ballot is “%(status)s”."),
    missing=gettext_lazy("There is no ballot for that year."),
    state_refusals={
        RoundAction.EDIT_TERMS: gettext_lazy("Voting has opened: the dates, seats and candidates of this round can "
                                             "no longer change."),
        RoundAction.PROPOSE: gettext_lazy("This round is not collecting proposals now."),
        RoundAction.EDIT_CANDIDATES: CANDIDATES_FIXED,
        RoundAction.SCREEN: gettext_lazy("Candidates are fixed after the proposals close and before the vote."),
        RoundAction.VOTE: gettext_lazy("Voting is not open: ballots are accepted only while the vote is open."),
        RoundAction.TALLY: gettext_lazy("The results are published after the voting closes."),
        RoundAction.PUBLISH: gettext_lazy("The results can be published once, after the voting closes."),
    },
    forbidden={RoundAction.VOTE: gettext_lazy("Only deputies of the district people's congress vote in this ballot.")},
    status_field=None,
    status_of=lambda round_: round_.status,
    status_label=lambda status: RoundStatus(status).label,
    action_label=lambda action: RoundAction(action).label,
    event_model=BallotEvent,
)


def _round_open_for_candidates(actor, proposal):
    return None if proposal.round.status in ROUND_ALLOWS[RoundAction.EDIT_CANDIDATES] else str(CANDIDATES_FIXED)


PROPOSALS = Lifecycle(
    model=Proposal,
    transitions=PROPOSAL_TRANSITIONS,
    can={ProposalAction.MERGE: _staff_only(permissions.can_edit_candidates),
         ProposalAction.DECLINE: _staff_only(permissions.can_edit_candidates)},
    # Proposals carry residents' contacts: outside the screening staff they do not exist.
    can_view=lambda actor, proposal: permissions.can_view_screening(actor),
    guards={ProposalAction.MERGE: _round_open_for_candidates, ProposalAction.DECLINE: _round_open_for_candidates},
    refused=gettext_lazy("Proposal “%(title)s” has already been screened."),
    describe=lambda proposal: {"title": proposal.title},
    missing=gettext_lazy("No such proposal."),
    status_label=lambda status: ProposalStatus(status).label,
    action_label=lambda action: ProposalAction(action).label,
    event_model=BallotEvent,
    event_owner=lambda proposal: {"round_id": proposal.round_id, "proposal": proposal},
)


def _locked_round(round_id) -> Round:
    return ROUNDS.lock(round_id if _is_id(round_id) else None)


def _is_id(value) -> bool:
    # Ids reach the services as ints (forms, JSON): a string or a bool is not one.
    return isinstance(value, int) and not isinstance(value, bool) and valid_pk(value)


def _text(value, limit) -> str:
    return (value or "").strip()[:limit]


# ---------------------------------------------------------------- rounds


def year_end_window(year: int) -> tuple[dt.datetime, dt.datetime]:
    """By default deputies and residents evaluate from 1 December to the end of January (年末问效果)."""
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 12, 1, tzinfo=tz), dt.datetime(year + 1, 2, 1, tzinfo=tz)


@transaction.atomic
def round_open(
    *, actor, year: int, title: str, seats: int, proposals_open_at, proposals_close_at, voting_opens_at,
    voting_closes_at, evaluation_opens_at=None, evaluation_closes_at=None,
) -> Round:
    if not permissions.can_open_round(actor):
        raise NotPermitted()
    errors = {}
    if not isinstance(year, int) or year not in selectors.YEARS:
        errors["year"] = [_("Enter a year between 2000 and 2100.")]
    elif Round.objects.filter(year=year).exists():
        errors["year"] = [_("There is already a ballot for that year.")]
    if not _text(title, 120):
        errors["title"] = [_("Give the round a title.")]
    if not isinstance(seats, int) or seats < 1:
        errors["seats"] = [_("At least one project is to be elected.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    default_open, default_close = year_end_window(year)
    evaluation_opens_at = evaluation_opens_at or default_open
    evaluation_closes_at = evaluation_closes_at or default_close
    round_ = Round(
        year=year, title=_text(title, 120), seats=seats, proposals_open_at=proposals_open_at,
        proposals_close_at=proposals_close_at, voting_opens_at=voting_opens_at, voting_closes_at=voting_closes_at,
        evaluation_opens_at=evaluation_opens_at, evaluation_closes_at=evaluation_closes_at,
    )
    errors = _window_errors(round_)
    if errors:
        raise InvalidInput(field_errors=errors)
    round_.save()
    ROUNDS.record(round_, actor=actor, action=RoundAction.OPEN, from_status="",
                  data={"year": year, "seats": seats})
    return round_


def _window_errors(round_: Round) -> dict:
    errors = {}
    if not round_.proposals_open_at < round_.proposals_close_at:
        errors["proposals_close_at"] = [_("Proposals must close after they open.")]
    if not round_.proposals_close_at <= round_.voting_opens_at:
        errors["voting_opens_at"] = [_("Voting opens after the proposals close.")]
    if not round_.voting_opens_at < round_.voting_closes_at:
        errors["voting_closes_at"] = [_("Voting must close after it opens.")]
    if not round_.evaluation_opens_at < round_.evaluation_closes_at:
        errors["evaluation_closes_at"] = [_("The evaluation must close after it opens.")]
    return errors


# What the deputies vote on: frozen once voting opens (or once anyone has voted), never changed after the close.
BALLOT_TERMS = ("year", "seats", "proposals_open_at", "proposals_close_at", "voting_opens_at", "voting_closes_at")
ROUND_EDITABLE = (*BALLOT_TERMS, "title", "evaluation_opens_at", "evaluation_closes_at")


def round_update_check(*, round_: Round, actor, changes: dict) -> dict:
    """What `round_update` would change, or the refusal it would raise. Forms call it to show the refusal."""
    if not permissions.can_open_round(actor):
        raise NotPermitted()
    unknown = set(changes) - set(ROUND_EDITABLE)
    if unknown:
        raise InvalidInput(field_errors={name: [_("This cannot be changed here.")] for name in sorted(unknown)})
    changed = {name: value for name, value in changes.items() if getattr(round_, name) != value}
    if set(changed) & set(BALLOT_TERMS):
        ROUNDS.check(actor, round_, RoundAction.EDIT_TERMS)
        if VoterRecord.objects.filter(round=round_).exists():
            raise TransitionNotAllowed(ROUNDS.state_refusals[RoundAction.EDIT_TERMS])
    errors = {}
    if "title" in changed and not _text(changed["title"], 120):
        errors["title"] = [_("Give the round a title.")]
    if "year" in changed and (not isinstance(changed["year"], int) or changed["year"] not in selectors.YEARS):
        errors["year"] = [_("Enter a year between 2000 and 2100.")]
    elif "year" in changed and Round.objects.filter(year=changed["year"]).exclude(pk=round_.pk).exists():
        errors["year"] = [_("There is already a ballot for that year.")]
    if "seats" in changed:
        seats = changed["seats"]
        if not isinstance(seats, int) or seats < 1:
            errors["seats"] = [_("At least one project is to be elected.")]
        elif round_.screened_at is not None and (n := Candidate.objects.filter(round=round_).count()) <= seats:
            errors["seats"] = [_("There must be more candidates than seats: %(n)s candidates for %(k)s seats.")
                               % {"n": n, "k": seats}]
    proposed = Round(**{f.attname: getattr(round_, f.attname) for f in Round._meta.concrete_fields})
    for name, value in changed.items():
        setattr(proposed, name, value)
    errors.update(_window_errors(proposed))
    if errors:
        raise InvalidInput(field_errors=errors)
    return changed


@transaction.atomic
def round_update(*, round_id, actor, **changes) -> Round:
    """Change a round's title, windows or seats: only until voting opens, except the title and the year-end
    evaluation window. A closed round is never reopened."""
    round_ = _locked_round(round_id)
    changed = round_update_check(round_=round_, actor=actor, changes=changes)
    if changed:
        action = RoundAction.EDIT_TERMS if set(changed) & set(BALLOT_TERMS) else RoundAction.EDIT
        ROUNDS.apply(round_, actor=actor, action=action,
                     changes={name: _text(value, 120) if name == "title" else value for name, value in changed.items()},
                     data={"fields": sorted(changed)})
    return round_


@transaction.atomic
def round_screen(*, round_id, actor, rng: random.Random | None = None) -> Round:
    """Fix the candidates (差额: more candidates than seats) and draw their numbers by lot."""
    round_ = ROUNDS.begin(round_id if _is_id(round_id) else None, actor, RoundAction.SCREEN)
    candidates = list(Candidate.objects.filter(round=round_).order_by("number"))
    if len(candidates) <= round_.seats:
        raise InvalidInput(_("There must be more candidates than seats: %(n)s candidates for %(k)s seats.")
                           % {"n": len(candidates), "k": round_.seats})
    (rng or random.SystemRandom()).shuffle(candidates)
    # Two passes keep (round, number) unique at every step.
    for i, candidate in enumerate(candidates):
        candidate.number = 1000 + i
    Candidate.objects.bulk_update(candidates, ["number"])
    for i, candidate in enumerate(candidates):
        candidate.number = i + 1
    Candidate.objects.bulk_update(candidates, ["number"])
    ROUNDS.apply(round_, actor=actor, action=RoundAction.SCREEN, changes={"screened_at": timezone.now()},
                 data={"candidates": len(candidates), "seats": round_.seats})
    return round_


@transaction.atomic
def round_publish(*, round_id, actor) -> list[Project]:
    """Publish the tally: the winners become projects of their responsible departments."""
    from notifications.models import Notification
    from notifications.services import notify_staff

    round_ = ROUNDS.begin(round_id if _is_id(round_id) else None, actor, RoundAction.PUBLISH)
    round_ = round_tally(round_id=round_.pk, actor=actor)
    if round_.ballots_cast == 0:
        raise TransitionNotAllowed(_("No ballot was cast in this round."))
    results = selectors.round_results(round_=round_)
    projects = [
        Project.objects.create(round=round_, candidate=c, rank=rank, title=c.title, description=c.description,
                               budget=c.budget, department=c.department)
        for rank, c, elected in results.rows if elected
    ]
    ROUNDS.apply(round_, actor=actor, action=RoundAction.PUBLISH,
                 changes={"published_at": timezone.now(), "published_by": actor},
                 data={"projects": [p.pk for p in projects]})
    with translation.override(settings.LANGUAGE_CODE):
        for project in projects:
            handlers = User.objects.filter(role=Role.HANDLER, department=project.department, is_active=True)
            notify_staff(users=list(handlers), kind=Notification.Kind.NOTICE,
                         title=_("Your department leads the livelihood project “%(title)s”") % {"title": project.title},
                         body=_("Record its progress every month and a report every quarter."),
                         data={"url": reverse("livelihood:project_staff", args=[project.pk])})
    return projects


# ---------------------------------------------------------------- proposals and candidates


@transaction.atomic
def proposal_submit(
    *, round_id, actor, title: str, content: str, township: Township | None = None, contact_name: str = "",
    contact_phone: str = "",
) -> Proposal:
    """A proposal from a resident (public form, anonymous allowed) or from a deputy's own session."""
    round_ = Round.objects.filter(pk=round_id).first() if _is_id(round_id) else None
    if round_ is None:
        raise NotFound(ROUNDS.missing)
    ROUNDS.check(actor, round_, RoundAction.PROPOSE)
    deputy = permissions.voter_deputy(actor)
    errors = {}
    title, content = _text(title, 100), _text(content, 2000)
    if not title:
        errors["title"] = [_("Give your proposal a short title.")]
    if not content:
        errors["content"] = [_("Describe what should be done, and where.")]
    if township is None and deputy is not None:
        township = deputy.township
    if township is None:
        errors["township"] = [_("Choose the township or street.")]
    contact_name, contact_phone = _text(contact_name, 50), _text(contact_phone, 20)
    if deputy is not None:
        contact_name, contact_phone = "", ""  # a deputy is reached through the deputy record
    elif contact_phone and not PHONE_RE.match(contact_phone):
        errors["contact_phone"] = [_("Enter an 11-digit mobile number or a landline such as 0827-5221234.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    return Proposal.objects.create(
        round=round_, source=Proposal.Source.DEPUTY if deputy else Proposal.Source.RESIDENT, title=title,
        content=content, township=township, contact_name=contact_name, contact_phone=contact_phone, deputy=deputy,
        submitted_by=actor if is_staff_user(actor) else None,
    )


def _merge(round_: Round, candidate: Candidate, proposal_ids, *, actor) -> None:
    ids = list(proposal_ids or [])
    if not all(_is_id(i) for i in ids):
        raise InvalidInput(field_errors={"proposals": [_("Choose proposals of this round.")]})
    proposals = list(Proposal.objects.select_for_update().select_related("round").filter(round=round_, pk__in=ids))
    if len(proposals) != len(set(ids)):
        raise InvalidInput(field_errors={"proposals": [_("Choose proposals of this round.")]})
    for proposal in proposals:
        PROPOSALS.check(actor, proposal, ProposalAction.MERGE)
        PROPOSALS.apply(proposal, actor=actor, action=ProposalAction.MERGE,
                        data={"candidate": candidate.pk, "number": candidate.number})
    candidate.proposals.add(*proposals)



def _candidate_fields(title, description, budget, department) -> dict:
    errors = {}
    title, description = _text(title, 100), _text(description, 3000)
    if not title:
        errors["title"] = [_("Give the candidate project a title.")]
    if not description:
        errors["description"] = [_("Describe the project: what, where and for whom.")]
    try:
        budget = Decimal(str(budget)).quantize(Decimal("0.01"))
        if budget <= 0 or budget >= Decimal("1e8"):
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors["budget"] = [_("Enter the budget in 10,000 yuan, e.g. 1200.")]
    if not isinstance(department, Department) or not department.is_active:
        errors["department"] = [_("Choose the responsible department.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    return {"title": title, "description": description, "budget": budget, "department": department}


@transaction.atomic
def candidate_create(
    *, round_id, actor, title: str, description: str, budget, department: Department, proposal_ids=(),
) -> Candidate:
    """Merge proposals into a new candidate project (staff screening)."""
    round_ = ROUNDS.begin(round_id if _is_id(round_id) else None, actor, RoundAction.EDIT_CANDIDATES)
    fields = _candidate_fields(title, description, budget, department)
    number = (Candidate.objects.filter(round=round_).aggregate(n=Max("number"))["n"] or 0) + 1
    candidate = Candidate.objects.create(round=round_, number=number, **fields)
    ROUNDS.record(round_, actor=actor, action=RoundAction.EDIT_CANDIDATES, from_status=round_.status,
                  note=candidate.title, data={"candidate": candidate.pk})
    _merge(round_, candidate, proposal_ids, actor=actor)
    return candidate


@transaction.atomic
def proposal_merge(*, proposal_id, actor, candidate_id) -> Proposal:
    """Merge one more proposal into an existing candidate of the same round."""
    candidate = Candidate.objects.filter(pk=candidate_id).first() if _is_id(candidate_id) else None
    if candidate is None:
        raise NotFound(_("No such candidate."))
    round_ = ROUNDS.begin(candidate.round_id, actor, RoundAction.EDIT_CANDIDATES)
    if not _is_id(proposal_id) or not Proposal.objects.filter(pk=proposal_id, round=round_).exists():
        raise NotFound(_("No such proposal."))
    _merge(round_, candidate, [proposal_id], actor=actor)
    return Proposal.objects.get(pk=proposal_id)


@transaction.atomic
def proposal_decline(*, proposal_id, actor, reason: str) -> Proposal:
    proposal = PROPOSALS.begin(proposal_id if _is_id(proposal_id) else None, actor, ProposalAction.DECLINE)
    reason = _text(reason, 200)
    if not reason:
        raise InvalidInput(field_errors={"reason": [_("Say why the proposal is not adopted.")]})
    PROPOSALS.apply(proposal, actor=actor, action=ProposalAction.DECLINE, changes={"decline_reason": reason},
                    note=reason)
    return proposal


# ---------------------------------------------------------------- the secret ballot


def ballot_cast(*, round_id, actor, candidate_ids) -> None:
    """Cast one deputy's secret ballot: at most `seats` of the round's candidates; none is a blank ballot.

    Read docs/ballot-secrecy.md before changing. The database administrator must not be able to link a deputy to
    a choice, from live rows, dead row versions (xmin, xmax, ctid) or a log of every statement:
      * One transaction writes the VoterRecord (its unique (round, deputy) pair refuses a second ballot, also
        under concurrent requests), the day-only duty record, and one SealedBallot: the choices encrypted under a
        key the database never sees, of one length for every ballot of the round. Nothing is lost or counted
        twice: the three rows commit or roll back together.
      * No counter moves here. The candidates' votes are counted once, by `round_tally`, after the voting closes,
        so no row version shows a tally moving by one ballot.
      * No statement issued here names a chosen candidate: the checks read all of the round's candidates with
        the same query for every ballot, and the choices travel only inside the sealed value.
    Returns nothing, so no caller can echo the choice.
    """
    deputy = permissions.voter_deputy(actor)
    try:
        ids = [int(i) for i in candidate_ids or []]
    except (TypeError, ValueError):
        raise InvalidInput(field_errors={"candidates": [_("Choose candidates of this round.")]}) from None
    with transaction.atomic():
        # Checked like every action, but never recorded: a ballot event would put a time beside a voter.
        round_ = ROUNDS.begin(round_id if _is_id(round_id) else None, actor, RoundAction.VOTE)
        if len(set(ids)) != len(ids):
            raise InvalidInput(field_errors={"candidates": [_("Each candidate can be chosen only once.")]})
        if len(ids) > round_.seats:
            raise InvalidInput(field_errors={"candidates": [
                _("Choose at most %(k)s projects; you chose %(n)s.") % {"k": round_.seats, "n": len(ids)}]})
        on_ballot = set(Candidate.objects.filter(round=round_).order_by().values_list("pk", flat=True))
        if not all(_is_id(i) for i in ids) or not set(ids) <= on_ballot:
            raise InvalidInput(field_errors={"candidates": [_("Choose candidates of this round.")]})
        try:
            with transaction.atomic():
                VoterRecord.objects.create(round=round_, deputy=deputy)
        except IntegrityError:
            raise TransitionNotAllowed(_("You have already voted in this round; a deputy casts one ballot.")) from None
        SealedBallot.objects.create(round=round_, seal=sealing.seal(round_id=round_.pk, width=round_.seats,
                                                                    candidate_ids=ids))
        _ballot_duty_record(deputy, round_)


def _ballot_duty_record(deputy, round_: Round) -> None:
    """The deputy took part, on this day: no time of day (created_at is that day's midnight), never what."""
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        # Written here rather than by duty_record_add, whose created_at would keep the microsecond of the vote.
        DutyRecord.objects.get_or_create(
            deputy=deputy, source="ballot", source_id=round_.pk,
            defaults={"kind": DutyRecord.Kind.MEETING, "occurred_on": today,
                      "created_at": timezone.make_aware(dt.datetime.combine(today, dt.time.min)),
                      "title": _("Took part in the %(year)s livelihood-project ballot") % {"year": round_.year},
                      "detail": _("Secret ballot: what was chosen is not recorded.")})


class BallotBoxMismatch(TransitionNotAllowed):
    """The sealed ballots do not match the voter records: someone altered the box; nothing is counted."""


@transaction.atomic
def round_tally(*, round_id, actor=SYSTEM) -> Round:
    """Open the round's sealed ballots and count them, once, after the voting closes. Safe to run twice.

    One transaction reads every sealed ballot, writes each candidate's votes and the round's totals, and deletes
    the sealed rows: the counters get one new row version each, with the final count, so no version in between
    exists to compare. Refuses (and counts nothing) if a sealed ballot does not open with the configured keys or
    the box holds another number of ballots than there are voter records.
    """
    round_ = _locked_round(round_id)
    if round_.tallied_at is not None or round_.status == RoundStatus.PUBLISHED:
        return round_
    ROUNDS.check(actor, round_, RoundAction.TALLY)
    on_ballot = set(Candidate.objects.filter(round=round_).order_by().values_list("pk", flat=True))
    counts, blank = Counter(), 0
    sealed = list(SealedBallot.objects.filter(round=round_).values_list("seal", flat=True))
    for value in sealed:
        try:
            ids = sealing.unseal(round_id=round_.pk, sealed=value)
        except sealing.SealBroken:
            raise BallotBoxMismatch(_("A sealed ballot cannot be opened with the configured key; nothing was "
                                      "counted.")) from None
        if len(set(ids)) != len(ids) or len(ids) > round_.seats or not set(ids) <= on_ballot:
            raise BallotBoxMismatch(_("A sealed ballot does not fit this round; nothing was counted."))
        counts.update(ids)
        blank += not ids
    # Ballots counted before the box existed (a round voting while this version was deployed) stay counted.
    if VoterRecord.objects.filter(round=round_).count() != round_.ballots_cast + len(sealed):
        raise BallotBoxMismatch(_("The ballot box does not match the voter records; nothing was counted."))
    Candidate.objects.filter(round=round_).update(
        votes=F("votes") + Case(*[When(pk=pk, then=Value(n)) for pk, n in sorted(counts.items())], default=Value(0)))
    Round.objects.filter(pk=round_.pk).update(ballots_cast=F("ballots_cast") + len(sealed),
                                              blank_ballots=F("blank_ballots") + blank, tallied_at=timezone.now())
    SealedBallot.objects.filter(round=round_).delete()
    round_.refresh_from_db()
    ROUNDS.record(round_, actor=actor, action=RoundAction.TALLY, from_status=round_.status,
                  data={"ballots": round_.ballots_cast, "blank": round_.blank_ballots})
    return round_


# ---------------------------------------------------------------- projects


def _project_for_report(project_id, actor) -> Project:
    project = Project.objects.select_related("round").filter(pk=project_id).first() if _is_id(project_id) else None
    if project is None:
        raise NotFound(_("No such project."))
    if not permissions.can_report_on(actor, project):
        raise NotPermitted(_("Only the responsible department reports on this project."))
    return project


@transaction.atomic
def project_progress_add(*, project_id, actor, month: dt.date, percent: int, note: str) -> ProjectProgress:
    """The month's progress; one entry per month."""
    project = _project_for_report(project_id, actor)
    errors = {}
    today = timezone.localdate()
    if not isinstance(month, dt.date) or month.replace(day=1) > today.replace(day=1) or month.year < project.round.year - 1:
        errors["month"] = [_("Choose this month or an earlier month of the project's year.")]
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        errors["percent"] = [_("Enter a percentage between 0 and 100.")]
    note = _text(note, 2000)
    if not note:
        errors["note"] = [_("Describe what was done this month.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    month = month.replace(day=1)
    if ProjectProgress.objects.filter(project=project, month=month).exists():
        raise TransitionNotAllowed(_("The progress of %(month)s has already been recorded.")
                                   % {"month": f"{month:%Y-%m}"})
    return ProjectProgress.objects.create(project=project, month=month, percent=percent, note=note, recorded_by=actor)


@transaction.atomic
def project_report_add(*, project_id, actor, year: int, quarter: int, summary: str, spent=None) -> ProjectReport:
    """A quarterly report, once the quarter has begun; one per quarter."""
    project = _project_for_report(project_id, actor)
    errors = {}
    today = timezone.localdate()
    if not isinstance(quarter, int) or quarter not in range(1, 5):
        errors["quarter"] = [_("Choose a quarter from 1 to 4.")]
    elif not isinstance(year, int) or year not in (project.round.year, project.round.year + 1) \
            or dt.date(year, 3 * quarter - 2, 1) > today:
        errors["year"] = [_("Report on a quarter of the project's year that has begun.")]
    summary = _text(summary, 5000)
    if not summary:
        errors["summary"] = [_("Write the report.")]
    if spent not in (None, ""):
        try:
            spent = Decimal(str(spent)).quantize(Decimal("0.01"))
            if spent < 0 or spent >= Decimal("1e8"):
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            errors["spent"] = [_("Enter the amount in 10,000 yuan, e.g. 350.5.")]
    else:
        spent = None
    if errors:
        raise InvalidInput(field_errors=errors)
    if ProjectReport.objects.filter(project=project, year=year, quarter=quarter).exists():
        raise TransitionNotAllowed(_("The report for %(year)s Q%(quarter)s has already been filed.")
                                   % {"year": year, "quarter": quarter})
    return ProjectReport.objects.create(project=project, year=year, quarter=quarter, summary=summary, spent=spent,
                                        recorded_by=actor)


@transaction.atomic
def project_evaluate(*, project_id, actor, rating: str, comment: str = "") -> Evaluation:
    """The year-end satisfaction evaluation: once per deputy (from their session), or a resident's (public form)."""
    project = Project.objects.select_related("round").filter(pk=project_id).first() if _is_id(project_id) else None
    if project is None:
        raise NotFound(_("No such project."))
    if not project.round.evaluation_open:
        raise TransitionNotAllowed(_("The year-end evaluation is not open now."))
    deputy = permissions.voter_deputy(actor)
    if deputy is not None and not permissions.can_evaluate_as_deputy(actor):
        raise NotPermitted(_("Deputies of the district people's congress evaluate the projects."))
    if deputy is None and is_staff_user(actor) and actor.role != Role.RESIDENT:
        raise NotPermitted(_("Staff accounts do not evaluate the projects."))
    if rating not in Evaluation.Rating.values:
        raise InvalidInput(field_errors={"rating": [_("Choose how satisfied you are.")]})
    fields = {"project": project, "rating": rating, "comment": _text(comment, 500)}
    if deputy is None:
        return Evaluation.objects.create(by=Evaluation.By.RESIDENT, **fields)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(by=Evaluation.By.DEPUTY, deputy=deputy, **fields)
    except IntegrityError:
        raise TransitionNotAllowed(_("You have already evaluated this project.")) from None
    with translation.override(settings.LANGUAGE_CODE):
        duty_record_add(deputy=deputy, kind=DutyRecord.Kind.INSPECTION,
                        title=_("Evaluated the livelihood project “%(title)s”") % {"title": project.title},
                        source="ballot_evaluation", source_id=project.pk)
    return evaluation
