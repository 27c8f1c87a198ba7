"""The ballot round and proposal lifecycles as data (民生实事项目票决, docs/lifecycles.md#livelihood-ballot).

A round's status is derived from its dates plus three explicit steps (candidates fixed = "screened", ballots
counted = "tallied", results published). Services, pages and the API ask this one table what a status allows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    UPCOMING = "upcoming", _("not yet open")
    COLLECTING = "collecting", _("collecting proposals")
    SCREENING = "screening", _("screening proposals")
    SCREENED = "screened", _("candidates fixed, waiting for the vote")
    VOTING = "voting", _("voting")
    CLOSED = "closed", _("voting closed")
    PUBLISHED = "published", _("results published")


class RoundAction(models.TextChoices):
    OPEN = "open", _("open the round")
    EDIT = "edit", _("change the title or the evaluation window")
    PROPOSE = "propose", _("submit a proposal")
    EDIT_TERMS = "edit_terms", _("change the dates and seats")
    EDIT_CANDIDATES = "edit_candidates", _("merge proposals into candidates")
    SCREEN = "screen", _("fix the candidates")
    VOTE = "vote", _("vote")
    TALLY = "tally", _("count the ballots")
    PUBLISH = "publish", _("publish the results")


R = RoundStatus
# action -> statuses of the round in which it may happen
ROUND_ALLOWS: dict[str, frozenset] = {
    RoundAction.PROPOSE: frozenset({R.COLLECTING}),
    # The terms of the ballot are frozen once voting opens; a closed round never reopens.
    RoundAction.EDIT_TERMS: frozenset({R.UPCOMING, R.COLLECTING, R.SCREENING, R.SCREENED}),
    RoundAction.EDIT_CANDIDATES: frozenset({R.COLLECTING, R.SCREENING}),
    RoundAction.SCREEN: frozenset({R.SCREENING}),
    RoundAction.VOTE: frozenset({R.VOTING}),
    RoundAction.TALLY: frozenset({R.CLOSED}),
    RoundAction.PUBLISH: frozenset({R.CLOSED}),
}
# The same as a workflow table: a round's status follows from its dates and steps, so no action sets it.
ROUND_TRANSITIONS: dict[str, tuple[frozenset, None]] = {
    RoundAction.OPEN: (frozenset(), None),
    RoundAction.EDIT: (frozenset(R), None),
    **{action: (allowed, None) for action, allowed in ROUND_ALLOWS.items()},
}
# Counts and winners are secret while anyone may still vote.
RESULTS_VISIBLE = frozenset({R.CLOSED, R.PUBLISHED})
# Candidates are shown to the public once they are fixed.
CANDIDATES_PUBLIC = frozenset({R.SCREENED, R.VOTING, R.CLOSED, R.PUBLISHED})


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("waiting for screening")
    MERGED = "merged", _("merged into a candidate")
    DECLINED = "declined", _("not adopted")


class ProposalAction(models.TextChoices):
    MERGE = "merge", _("merge into a candidate")
    DECLINE = "decline", _("decline")


P = ProposalStatus
# action -> (states it may start from, state it leads to)
PROPOSAL_TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    ProposalAction.MERGE: (frozenset({P.SUBMITTED}), P.MERGED),
    ProposalAction.DECLINE: (frozenset({P.SUBMITTED}), P.DECLINED),
}


def round_status(round_, now) -> str:
    """The status of a round at `now`."""
    if round_.published_at is not None:
        return R.PUBLISHED
    if round_.tallied_at is not None or now >= round_.voting_closes_at:
        return R.CLOSED  # once counted, closed for good, whatever the dates say
    if round_.screened_at is not None and now >= round_.voting_opens_at:
        return R.VOTING
    if now < round_.proposals_open_at:
        return R.UPCOMING
    if now < round_.proposals_close_at:
        return R.COLLECTING
    return R.SCREENED if round_.screened_at is not None else R.SCREENING
