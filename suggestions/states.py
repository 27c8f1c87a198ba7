"""The suggestion lifecycle as data (docs/lifecycles.md#suggestions). Services, pages, the API and tests read this one table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in pre-review")
    SUBMITTED = "submitted", _("submitted")
    ASSIGNED = "assigned", _("assigned for handling")
    REPLIED = "replied", _("replied")
    EVALUATED = "evaluated", _("evaluated")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Action(models.TextChoices):
    DRAFT = "draft", _("draft")
    EDIT = "edit", _("edit")
    LINK = "link", _("link a demand")
    UNLINK = "unlink", _("remove a linked demand")
    SUBMIT = "submit", _("submit")
    PASS_REVIEW = "pass_review", _("pass pre-review")
    RETURN_DRAFT = "return_draft", _("return for revision")
    WITHDRAW = "withdraw", _("withdraw")
    ASSIGN = "assign", _("assign")
    REPLY = "reply", _("reply")
    OPINION = "opinion", _("co-handling opinion")
    EVALUATE = "evaluate", _("evaluate")
    CLOSE = "close", _("close")
    FOLLOW_UP = "follow_up", _("follow-up")
    CONTACT = "contact", _("contact with the proposers")


S = Status
REPLIED_STATES = frozenset({S.REPLIED, S.EVALUATED, S.CLOSED})

# action -> (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    Action.DRAFT: (frozenset(), S.DRAFT),
    Action.EDIT: (frozenset({S.DRAFT}), None),
    Action.LINK: (frozenset({S.DRAFT}), None),
    Action.UNLINK: (frozenset({S.DRAFT}), None),
    # 前置审核: the congress office reads a submitted draft before it is numbered, and passes it or returns it
    # to its proposers with reasons.
    Action.SUBMIT: (frozenset({S.DRAFT}), S.IN_REVIEW),
    Action.PASS_REVIEW: (frozenset({S.IN_REVIEW}), S.SUBMITTED),
    Action.RETURN_DRAFT: (frozenset({S.IN_REVIEW}), S.DRAFT),
    Action.WITHDRAW: (frozenset({S.DRAFT, S.IN_REVIEW, S.SUBMITTED}), S.WITHDRAWN),
    # Assigning again before the reply changes the departments (调整交办).
    Action.ASSIGN: (frozenset({S.SUBMITTED, S.ASSIGNED}), S.ASSIGNED),
    Action.REPLY: (frozenset({S.ASSIGNED}), S.REPLIED),
    Action.OPINION: (frozenset({S.ASSIGNED, S.REPLIED}), None),
    # Joint proposers may still evaluate after the lead; only the lead's evaluation moves the state
    # (services.suggestion_evaluate), so the target here is the lead's.
    Action.EVALUATE: (frozenset({S.REPLIED, S.EVALUATED}), S.EVALUATED),
    # Supervisors close after the evaluation, or without it when the proposers never evaluate.
    Action.CLOSE: (frozenset({S.REPLIED, S.EVALUATED}), S.CLOSED),
    # Class B (being solved / planned) stays tracked after the reply, across years, until resolved.
    Action.FOLLOW_UP: (REPLIED_STATES, None),
    # 办前沟通 and 办中共商 while handling, 办后回访 once replied (services.suggestion_contact checks the stage).
    Action.CONTACT: (frozenset({S.ASSIGNED, S.REPLIED, S.EVALUATED}), None),
}


def allowed_from(action: str, status: str) -> bool:
    return status in TRANSITIONS[action][0]


def target_of(action: str, status: str) -> str:
    target = TRANSITIONS[action][1]
    return status if target is None else target
