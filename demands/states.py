"""The demand lifecycle as data (docs/lifecycles.md#demands). Services, pages and tests all read this one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    CLASSIFIED = "classified", _("classified")
    DISPATCHED = "dispatched", _("dispatched")
    ACCEPTED = "accepted", _("in progress")
    RESOLVED = "resolved", _("awaiting verification")
    VERIFIED = "verified", _("awaiting rating")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Action(models.TextChoices):
    RECEIVE = "receive", _("receive")
    CLASSIFY = "classify", _("classify")
    REJECT = "reject", _("reject")
    MERGE = "merge", _("merge")
    DISPATCH = "dispatch", _("dispatch")
    ACCEPT = "accept", _("accept")
    RETURN = "return", _("return")
    REASSIGN = "reassign", _("reassign")
    REQUEST_EXTENSION = "request_extension", _("request extension")
    EXTEND = "extend", _("approve extension")
    DENY_EXTENSION = "deny_extension", _("deny extension")
    NOTE = "note", _("progress note")
    RESOLVE = "resolve", _("resolve")
    VERIFY = "verify", _("verify")
    REOPEN = "reopen", _("reopen")
    RATE = "rate", _("rate")
    EXPIRE_RATING = "expire_rating", _("close unrated")
    URGE = "urge", _("urge")
    ESCALATE = "escalate", _("escalate")
    ROUTE = "route", _("route to the addressed deputy")
    FORWARD = "forward", _("forward to dispatch")
    SUPPLEMENT = "supplement", _("add information")
    CHASE = "chase", _("chase")
    WITHDRAW = "withdraw", _("withdraw")
    # Joint handling (主办/协办): the dispatcher asks departments to help the lead unit; each gives one opinion.
    ADD_COHANDLER = "add_cohandler", _("add a co-handling department")
    COHANDLER_OPINION = "cohandler_opinion", _("co-handling opinion")
    REMOVE_COHANDLER = "remove_cohandler", _("remove a co-handling department")


S = Status
OPEN_STATES = frozenset({S.RECEIVED, S.CLASSIFIED, S.DISPATCHED, S.ACCEPTED, S.RESOLVED, S.VERIFIED})
TERMINAL_STATES = frozenset({S.CLOSED, S.REJECTED, S.MERGED, S.WITHDRAWN})
# States in which a unit holds the demand and the SLA clock runs.
HANDLING_STATES = frozenset({S.DISPATCHED, S.ACCEPTED})

# action -> (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    Action.RECEIVE: (frozenset(), S.RECEIVED),
    Action.CLASSIFY: (frozenset({S.RECEIVED}), S.CLASSIFIED),
    Action.REJECT: (frozenset({S.RECEIVED, S.CLASSIFIED}), S.REJECTED),
    Action.MERGE: (frozenset({S.RECEIVED, S.CLASSIFIED}), S.MERGED),
    Action.DISPATCH: (frozenset({S.CLASSIFIED}), S.DISPATCHED),
    Action.ACCEPT: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    Action.RETURN: (frozenset({S.DISPATCHED, S.ACCEPTED}), S.CLASSIFIED),
    Action.REASSIGN: (frozenset({S.DISPATCHED, S.ACCEPTED}), S.DISPATCHED),
    Action.REQUEST_EXTENSION: (frozenset({S.ACCEPTED}), None),
    Action.EXTEND: (frozenset({S.ACCEPTED}), None),
    Action.DENY_EXTENSION: (frozenset({S.ACCEPTED}), None),
    Action.NOTE: (frozenset({S.ACCEPTED}), None),
    Action.RESOLVE: (frozenset({S.ACCEPTED}), S.RESOLVED),
    Action.VERIFY: (frozenset({S.RESOLVED}), S.VERIFIED),
    Action.REOPEN: (frozenset({S.RESOLVED, S.VERIFIED, S.CLOSED}), S.DISPATCHED),
    Action.RATE: (frozenset({S.VERIFIED}), S.CLOSED),
    Action.EXPIRE_RATING: (frozenset({S.VERIFIED}), S.CLOSED),
    Action.URGE: (OPEN_STATES, None),
    Action.ESCALATE: (HANDLING_STATES, None),
    # A demand addressed to a deputy (by their QR code) goes straight to them; they may hand it to dispatch.
    Action.ROUTE: (frozenset({S.RECEIVED}), S.DISPATCHED),
    Action.FORWARD: (HANDLING_STATES, S.RECEIVED),
    # The resident adds words and photos to a demand still open (补充材料); the holder is told.
    Action.SUPPLEMENT: (OPEN_STATES, None),
    # The resident presses a unit that let its deadline pass (催办); counted, and told to the unit and supervisors.
    Action.CHASE: (HANDLING_STATES, None),
    # The resident takes back a demand no unit has started on (撤回); once a unit has accepted it, work is under way
    # and the resident tells the unit instead (补充材料).
    Action.WITHDRAW: (frozenset({S.RECEIVED, S.CLASSIFIED, S.DISPATCHED}), S.WITHDRAWN),
}

# Joint handling (主办/协办, docs/lifecycles.md#joint-handling): while a lead unit holds the demand, a dispatcher adds
# co-handling departments, each gives its opinion by its own deadline, and the lead resolves as ever.
TRANSITIONS.update({
    Action.ADD_COHANDLER: (HANDLING_STATES, None),
    Action.COHANDLER_OPINION: (HANDLING_STATES, None),
    Action.REMOVE_COHANDLER: (HANDLING_STATES, None),
})


def allowed_from(action: str, status: str) -> bool:
    return status in TRANSITIONS[action][0]


def target_of(action: str, status: str) -> str:
    target = TRANSITIONS[action][1]
    return status if target is None else target


# What the resident reads on the public tracking page for each action.
PUBLIC_PHRASES = {
    Action.RECEIVE: _("Your demand was received."),
    Action.CLASSIFY: _("Your demand was accepted for handling."),
    Action.REJECT: _("Your demand cannot be taken up."),
    Action.MERGE: _("Your demand is handled together with a report of the same problem."),
    Action.DISPATCH: _("Your demand was assigned to %(unit)s."),
    Action.ACCEPT: _("%(unit)s has started handling your demand."),
    Action.REASSIGN: _("Your demand was reassigned to %(unit)s."),
    Action.EXTEND: _("The handling deadline was extended."),
    Action.NOTE: _("Progress update."),
    Action.RESOLVE: _("%(unit)s replied with a result."),
    Action.VERIFY: _("The result was checked by a supervisor. Please rate the handling."),
    Action.REOPEN: _("Your demand is being handled again."),
    Action.RATE: _("You rated the handling."),
    Action.EXPIRE_RATING: _("Closed without a rating."),
    Action.ROUTE: _("Your demand was delivered to %(unit)s."),
    Action.FORWARD: _("Your deputy passed your demand to the handling centre and keeps following it."),
    Action.SUPPLEMENT: _("The resident added information."),
    Action.CHASE: _("The resident chased the overdue demand."),
    Action.WITHDRAW: _("You withdrew this demand."),
}

# The resident reads which departments joined and left; opinions stay internal (docs/lifecycles.md#joint-handling).
PUBLIC_PHRASES.update({
    Action.ADD_COHANDLER: _("%(unit)s was asked to help handle your demand."),
    Action.REMOVE_COHANDLER: _("%(unit)s no longer helps handle your demand."),
})
