"""Reading the ballot. Counts and winners come out of `round_results` only, and only after voting has closed."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.validators import valid_pk
from deputies.models import Deputy
from core.errors import NotFound, TransitionNotAllowed

from . import permissions
from .models import Candidate, Evaluation, Project, Proposal, Round, VoterRecord
from .states import CANDIDATES_PUBLIC, RESULTS_VISIBLE

# Shown on the results page; `rank_candidates` implements exactly this.
TIE_RULE = gettext_lazy(
    "Candidates are ranked by votes; a candidate needs at least one vote to win. At equal votes, the candidate "
    "that merges more residents' proposals ranks first; if that is equal too, the lower candidate number, "
    "drawn by lot when the candidates were fixed, ranks first."
)

YEARS = range(2000, 2101)


def round_list():
    return Round.objects.annotate(candidate_count=Count("candidates")).order_by("-year")


def round_get(*, year) -> Round:
    # Out-of-range years answer 404 before they reach the database (no integer overflow).
    round_ = Round.objects.filter(year=year).first() if isinstance(year, int) and year in YEARS else None
    if round_ is None:
        raise NotFound(_("There is no ballot for that year."))
    return round_


def round_current(now=None) -> Round | None:
    """The round the public page shows: the latest one that has opened for proposals, else the next one."""
    now = now or timezone.now()
    return (Round.objects.filter(proposals_open_at__lte=now).order_by("-year").first()
            or Round.objects.order_by("year").first())


def round_latest_published() -> Round | None:
    return Round.objects.filter(published_at__isnull=False).order_by("-year").first()


def candidates_with_backing(round_):
    """The round's candidates with the number of merged residents' proposals (the first tie-break)."""
    return (Candidate.objects.filter(round=round_).select_related("department")
            .annotate(resident_proposals=Count("proposals", filter=Q(proposals__source=Proposal.Source.RESIDENT)))
            .order_by("number"))


def public_candidates(round_) -> list:
    """Candidates as the public and voters see them: only once fixed, and never with counts."""
    if round_.status not in CANDIDATES_PUBLIC:
        return []
    return list(candidates_with_backing(round_))


def rank_candidates(candidates, seats: int) -> list[tuple[int, object, bool]]:
    """Rank candidates and mark the winners: [(rank, candidate, elected)].

    The rule (also shown on the results page as TIE_RULE):
      1. more votes first;
      2. at equal votes, the candidate that merges more residents' proposals first;
      3. then the lower candidate number (numbers are drawn by lot when the candidates are fixed).
    The first `seats` candidates that received at least one vote are elected.
    Each candidate needs `.votes`, `.number` and `.resident_proposals`.
    """
    ordered = sorted(candidates, key=lambda c: (-c.votes, -c.resident_proposals, c.number))
    return [(i + 1, c, i < seats and c.votes > 0) for i, c in enumerate(ordered)]


@dataclass
class Results:
    round: Round
    rows: list  # [(rank, candidate, elected)]
    ballots_cast: int
    blank_ballots: int
    eligible: int
    tie_broken: bool = False
    winners: list = field(default_factory=list)

    @property
    def turnout_percent(self) -> int:
        return round(100 * self.ballots_cast / self.eligible) if self.eligible else 0


def results_visible(round_) -> bool:
    return round_.status in RESULTS_VISIBLE


def round_results(*, round_: Round) -> Results:
    """The tally. Refused with 409 while the voting window has not closed.

    The sealed ballots are counted once after the close, by the beat task or else by this first read
    (services.round_tally, idempotent), so a reader never sees the zeros of an uncounted round.
    """
    if not results_visible(round_):
        raise TransitionNotAllowed(_("The results are published after the voting closes."))
    if round_.tallied_at is None and round_.published_at is None:
        from .services import round_tally  # services import this module

        round_ = round_tally(round_id=round_.pk)
    rows = rank_candidates(candidates_with_backing(round_), round_.seats)
    winners = [c for _rank, c, elected in rows if elected]
    # A tie at the last seat: the last winner and the first loser had as many votes.
    tie = (len(rows) > round_.seats and len(winners) == round_.seats
           and rows[round_.seats - 1][1].votes == rows[round_.seats][1].votes)
    return Results(round=round_, rows=rows, ballots_cast=round_.ballots_cast, blank_ballots=round_.blank_ballots,
                   eligible=eligible_voter_count(), tie_broken=tie, winners=winners)


def rounds_to_tally(now=None) -> list[int]:
    """Rounds whose voting has closed and whose sealed ballots are not yet counted."""
    return list(Round.objects.filter(voting_closes_at__lte=now or timezone.now(), tallied_at__isnull=True,
                                     published_at__isnull=True).order_by("year").values_list("pk", flat=True))


def eligible_voter_count() -> int:
    return Deputy.objects.filter(permissions.voter_eligibility()).count()


def has_voted(*, round_, actor) -> bool:
    deputy = permissions.voter_deputy(actor)
    return deputy is not None and VoterRecord.objects.filter(round=round_, deputy=deputy).exists()


def proposals_for_screening(*, viewer, round_):
    if not permissions.can_view_screening(viewer):
        raise NotFound()
    return (Proposal.objects.filter(round=round_).select_related("township", "deputy")
            .prefetch_related("candidates").order_by("status", "-created_at", "-id"))


def project_list(*, year=None):
    qs = (Project.objects.select_related("round", "department")
          .prefetch_related("progress").order_by("-round__year", "rank"))
    if year is not None:
        qs = qs.filter(round__year=year)
    return qs


def project_get(*, pk) -> Project:
    project = (Project.objects.select_related("round", "department", "candidate").filter(pk=pk).first()
               if valid_pk(pk) else None)
    if project is None:
        raise NotFound(_("No such project."))
    return project


def project_satisfaction(project) -> dict:
    """Counts per rating, per kind of evaluator, and the share satisfied or basically satisfied."""
    counts = {(row["by"], row["rating"]): row["n"]
              for row in project.evaluations.values("by", "rating").annotate(n=Count("id"))}
    summary = {}
    for by in Evaluation.By.values:
        per = {rating: counts.get((by, rating), 0) for rating in Evaluation.Rating.values}
        total = sum(per.values())
        good = per[Evaluation.Rating.SATISFIED] + per[Evaluation.Rating.BASICALLY]
        summary[by] = {"counts": per, "total": total, "percent": round(100 * good / total) if total else None}
    return summary


def deputy_has_evaluated(*, project, actor) -> bool:
    deputy = permissions.voter_deputy(actor)
    return deputy is not None and project.evaluations.filter(deputy=deputy).exists()
