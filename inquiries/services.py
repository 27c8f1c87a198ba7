"""Every change to a supervision topic or a special inquiry: one function per action, each one transaction with
the row locked, run through the shared engine (docs/workflow.md)."""

import contextlib
import contextvars
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import is_staff_user
from core.errors import InvalidInput, NotPermitted
from core.models import Department
from core.validators import PHONE_RE, valid_pk
from core.workflow import Lifecycle
from deputies.models import Deputy
from grids.models import Township

from .models import (
    TEXT_LENGTH,
    TITLE_LENGTH,
    Commitment,
    CommitmentUpdate,
    Inquiry,
    InquiryEvent,
    Question,
    Topic,
    TopicEvent,
)
from .permissions import (
    CAN,
    TOPIC_CAN,
    can_create_topic,
    can_plan,
    can_view,
    can_view_topic,
    is_participant,
)
from .states import (
    TOPIC_TRANSITIONS,
    TRANSITIONS,
    Action,
    CommitmentStatus,
    Status,
    TopicAction,
    TopicStatus,
)

MAX_MEMBERS = 60  # departments or deputies on one inquiry

# ---------------------------------------------------------------- the clock

_CLOCK: contextvars.ContextVar = contextvars.ContextVar("inquiry_clock", default=None)


@contextlib.contextmanager
def history_clock(at: dt.datetime):
    """Run services as if it were `at`: for the demo's year of inquiries, never for requests."""
    token = _CLOCK.set(at)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _now() -> dt.datetime:
    return _CLOCK.get() or timezone.now()


def _today() -> dt.date:
    return timezone.localdate(_now())


# ---------------------------------------------------------------- guards


def _hold_guard(actor, inquiry):
    if inquiry.held_on > _today():
        return _("The meeting date has not come yet.")
    if not inquiry.questions.exists():
        return _("Record at least one question before recording the meeting as held.")
    return None


def _follow_guard(actor, inquiry):
    if inquiry.questions.filter(answer="").exists():
        return _("Every question needs its answer before the follow-up starts.")
    return None


def _close_guard(actor, inquiry):
    if inquiry.commitments.filter(status=CommitmentStatus.OPEN).exists():
        return _("Every commitment must be done, or closed with a reason, before the inquiry is closed.")
    return None


def _deputy_label(actor) -> str:
    deputy = getattr(actor, "deputy", None) if getattr(actor, "deputy_id", None) else None
    return deputy.name if deputy is not None else str(actor or "")


TOPICS = Lifecycle(
    model=Topic,
    transitions=TOPIC_TRANSITIONS,
    can=TOPIC_CAN,
    can_view=can_view_topic,
    refused=gettext_lazy("“%(action)s” is not possible while the topic is “%(status)s”."),
    missing=gettext_lazy("No such topic."),
    status_label=lambda status: TopicStatus(status).label,
    action_label=lambda action: TopicAction(action).label,
    event_model=TopicEvent,
    clock=_now,
)

INQUIRIES = Lifecycle(
    model=Inquiry,
    transitions=TRANSITIONS,
    can=CAN,
    can_view=can_view,
    guards={Action.HOLD: _hold_guard, Action.FOLLOW: _follow_guard, Action.CLOSE: _close_guard},
    refused=gettext_lazy("“%(action)s” is not possible while the inquiry is “%(status)s”."),
    missing=gettext_lazy("No such inquiry."),
    status_label=lambda status: Status(status).label,
    action_label=lambda action: Action(action).label,
    event_model=InquiryEvent,
    actor_label=lambda actor: _deputy_label(actor) if is_staff_user(actor) else str(_("resident")),
    clock=_now,
)


def refusal(actor, inquiry, action) -> str | None:
    return INQUIRIES.refusal(actor, inquiry, action)


def available_actions(actor, inquiry) -> list[str]:
    return INQUIRIES.available_actions(actor, inquiry)


def topic_refusal(actor, topic, action) -> str | None:
    return TOPICS.refusal(actor, topic, action)


# ---------------------------------------------------------------- input


def _text(value, field: str, *, required: bool = True, limit: int = TEXT_LENGTH, message=None) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if "\x00" in value:
        raise InvalidInput(field_errors={field: [_("Null characters are not allowed.")]})
    if len(value) > limit:
        raise InvalidInput(field_errors={field: [_("At most %(limit)s characters.") % {"limit": limit}]})
    if required and not value:
        raise InvalidInput(field_errors={field: [message or _("This field is required.")]})
    return value


def _township(value, field="township") -> Township | None:
    if value is None:
        return None
    if not isinstance(value, Township):
        raise InvalidInput(field_errors={field: [_("Choose a township or street from the list.")]})
    return value


def _members(values, model, field: str, message) -> list:
    chosen = []
    for value in values or ():
        if not isinstance(value, model) or not value.is_active:
            raise InvalidInput(field_errors={field: [message]})
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise InvalidInput(field_errors={field: [message]})
    if len(chosen) > MAX_MEMBERS:
        raise InvalidInput(field_errors={field: [_("At most %(n)s.") % {"n": MAX_MEMBERS}]})
    return chosen


def _questioned(inquiry, department, field="department") -> Department:
    if not isinstance(department, Department) or not inquiry.departments.filter(pk=department.pk).exists():
        raise InvalidInput(field_errors={field: [_("Choose one of the departments questioned.")]})
    return department


def _row(queryset, pk, field: str, message):
    row = queryset.filter(pk=pk).first() if valid_pk(pk) else None
    if row is None:
        raise InvalidInput(field_errors={field: [message]})
    return row


# ---------------------------------------------------------------- topics


@transaction.atomic
def topic_propose(*, actor, title, description="", township=None, contact_phone="", source=Topic.Source.PUBLIC,
                  source_note="") -> Topic:
    """A topic from the public form (anyone, no name asked), or one supervisors take from the figures."""
    staff = can_create_topic(actor)
    errors = {}
    try:
        title = _text(title, "title", limit=TITLE_LENGTH, message=_("Name the topic."))
    except InvalidInput as error:
        errors.update(error.field_errors)
    try:
        description = _text(description, "description", required=False)
    except InvalidInput as error:
        errors.update(error.field_errors)
    phone = (contact_phone or "").strip() if isinstance(contact_phone, str) else ""
    if phone and not PHONE_RE.match(phone):
        errors["contact_phone"] = [_("Enter an 11-digit mobile number or a landline such as 0827-5221234.")]
    if staff:
        if source not in Topic.Source.values:
            errors["source"] = [_("Choose where the topic comes from.")]
        try:
            source_note = _text(source_note, "source_note", required=False, limit=200)
        except InvalidInput as error:
            errors.update(error.field_errors)
    else:
        # The public proposes; only supervisors say a topic comes from the figures.
        source, source_note = Topic.Source.PUBLIC, ""
    if errors:
        raise InvalidInput(field_errors=errors)
    township = _township(township)
    if staff and actor.township_id is not None and (township is None or township.pk != actor.township_id):
        raise NotPermitted(_("A township's supervisors propose topics of their own township."))
    now = _now()
    topic = Topic.objects.create(title=title, description=description, township=township, source=source,
                                 source_note=source_note, contact_phone=phone,
                                 created_by=actor if staff else None, created_at=now, updated_at=now)
    TOPICS.record(topic, actor=actor, action=TopicAction.PROPOSE, from_status="", data={"source": source})
    # A supervisor's own topic needs no moderation by another: it is accepted at once, through the engine like any
    # acceptance, so that its history shows who accepted it.
    if staff:
        TOPICS.check(actor, topic, TopicAction.ACCEPT)
        TOPICS.apply(topic, actor=actor, action=TopicAction.ACCEPT, changes={"decided_at": now})
    return topic


@transaction.atomic
def topic_accept(*, topic_id, actor, note="") -> Topic:
    topic = TOPICS.begin(topic_id, actor, TopicAction.ACCEPT)
    note = _text(note, "note", required=False, limit=500)
    TOPICS.apply(topic, actor=actor, action=TopicAction.ACCEPT, changes={"decision_note": note, "decided_at": _now()},
                 note=note)
    return topic


@transaction.atomic
def topic_decline(*, topic_id, actor, reason) -> Topic:
    topic = TOPICS.begin(topic_id, actor, TopicAction.DECLINE)
    reason = _text(reason, "reason", limit=500, message=_("Give the reason the topic is declined."))
    TOPICS.apply(topic, actor=actor, action=TopicAction.DECLINE,
                 changes={"decision_note": reason, "decided_at": _now()}, note=reason)
    return topic


# ---------------------------------------------------------------- planning and the meeting


@transaction.atomic
def inquiry_plan(*, actor, title, held_on, departments, deputies, township=None, topic=None) -> Inquiry:
    if not can_plan(actor):
        raise NotPermitted(_("Only supervisors plan special inquiries."))
    title = _text(title, "title", limit=200, message=_("Give the inquiry a title."))
    if not isinstance(held_on, dt.date):
        raise InvalidInput(field_errors={"held_on": [_("Enter the meeting date.")]})
    township = _township(township)
    if actor.township_id is not None and (township is None or township.pk != actor.township_id):
        raise NotPermitted(_("A township's supervisors plan inquiries of their own township."))
    departments = _members(departments, Department, "departments", _("Choose the departments to question."))
    deputies = _members(deputies, Deputy, "deputies", _("Choose the deputies taking part."))
    if topic is not None:
        topic = Topic.objects.select_for_update().filter(pk=getattr(topic, "pk", None)).first()
        if topic is None or not can_view_topic(actor, topic) or topic.status != TopicStatus.ACCEPTED:
            raise InvalidInput(field_errors={"topic": [_("Choose an accepted topic.")]})
        if Inquiry.objects.filter(topic=topic).exists():
            raise InvalidInput(field_errors={"topic": [_("This topic already has its inquiry.")]})
    now = _now()
    inquiry = Inquiry.objects.create(title=title, topic=topic, township=township, held_on=held_on, created_by=actor,
                                     created_at=now, updated_at=now)
    inquiry.departments.set(departments)
    inquiry.deputies.set(deputies)
    INQUIRIES.record(inquiry, actor=actor, action=Action.PLAN, from_status="", data={
        "departments": [d.pk for d in departments], "deputies": [d.pk for d in deputies],
        "topic": topic.pk if topic else None})
    return inquiry


@transaction.atomic
def inquiry_ask(*, inquiry_id, actor, department, text, deputy=None) -> Question:
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.ASK)
    if is_participant(actor, inquiry):
        deputy = actor.deputy  # a deputy asks in their own name
    elif not isinstance(deputy, Deputy) or not inquiry.deputies.filter(pk=deputy.pk).exists():
        raise InvalidInput(field_errors={"deputy": [_("Choose the deputy who asked, among those taking part.")]})
    department = _questioned(inquiry, department)
    text = _text(text, "text", message=_("Write the question."))
    question = Question.objects.create(inquiry=inquiry, deputy=deputy, department=department, text=text,
                                       created_at=_now())
    INQUIRIES.apply(inquiry, actor=actor, action=Action.ASK, note=text,
                    data={"question": question.pk, "deputy": deputy.pk, "department": department.pk})
    return question


@transaction.atomic
def inquiry_answer(*, inquiry_id, actor, question_id, answer) -> Question:
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.ANSWER)
    question = _row(inquiry.questions.select_for_update().filter(department_id=actor.department_id), question_id,
                    "question", _("Choose a question put to your department."))
    if question.answer:
        raise InvalidInput(field_errors={"question": [_("This question is already answered.")]})
    answer = _text(answer, "answer", message=_("Write the answer."))
    question.answer, question.answered_at = answer, _now()
    question.save(update_fields=["answer", "answered_at"])
    INQUIRIES.apply(inquiry, actor=actor, action=Action.ANSWER, note=answer, data={"question": question.pk})
    return question


@transaction.atomic
def inquiry_hold(*, inquiry_id, actor, summary="") -> Inquiry:
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.HOLD)
    summary = _text(summary, "summary", required=False, limit=5000)
    INQUIRIES.apply(inquiry, actor=actor, action=Action.HOLD, changes={"summary": summary}, note=summary)
    return inquiry


@transaction.atomic
def inquiry_commit(*, inquiry_id, actor, department, text, due_on) -> Commitment:
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.COMMIT)
    department = _questioned(inquiry, department)
    text = _text(text, "text", message=_("Write what the department committed to."))
    if not isinstance(due_on, dt.date) or due_on <= _today():
        raise InvalidInput(field_errors={"due_on": [_("The due date must be in the future.")]})
    commitment = Commitment.objects.create(inquiry=inquiry, department=department, text=text, due_on=due_on,
                                           created_at=_now())
    INQUIRIES.apply(inquiry, actor=actor, action=Action.COMMIT, note=text, data={
        "commitment": commitment.pk, "department": department.pk, "due_on": due_on.isoformat()})
    return commitment


@transaction.atomic
def inquiry_follow(*, inquiry_id, actor) -> Inquiry:
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.FOLLOW)
    INQUIRIES.apply(inquiry, actor=actor, action=Action.FOLLOW)
    return inquiry


# ---------------------------------------------------------------- following up


def _open_commitment(inquiry, pk, *, department_id=None) -> Commitment:
    rows = inquiry.commitments.select_for_update().filter(status=CommitmentStatus.OPEN)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    return _row(rows, pk, "commitment", _("Choose an open commitment of your department.")
                if department_id is not None else _("Choose an open commitment."))


@transaction.atomic
def inquiry_progress(*, inquiry_id, actor, commitment_id, note, done=False) -> Commitment:
    """The department reports what it did; `done` finishes the commitment."""
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.PROGRESS)
    commitment = _open_commitment(inquiry, commitment_id, department_id=actor.department_id)
    note = _text(note, "note", message=_("Write what was done."))
    now = _now()
    CommitmentUpdate.objects.create(commitment=commitment, note=note, done=bool(done), created_at=now)
    if done:
        commitment.status, commitment.outcome, commitment.closed_at = CommitmentStatus.DONE, note, now
        commitment.save(update_fields=["status", "outcome", "closed_at"])
    INQUIRIES.apply(inquiry, actor=actor, action=Action.PROGRESS, note=note,
                    data={"commitment": commitment.pk, "done": bool(done)})
    return commitment


@transaction.atomic
def inquiry_drop(*, inquiry_id, actor, commitment_id, reason) -> Commitment:
    """Supervisors close a commitment that will not be done as made (superseded, out of the department's hands)."""
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.DROP)
    commitment = _open_commitment(inquiry, commitment_id)
    reason = _text(reason, "reason", message=_("Give the reason the commitment is closed."))
    commitment.status, commitment.outcome, commitment.closed_at = CommitmentStatus.DROPPED, reason, _now()
    commitment.save(update_fields=["status", "outcome", "closed_at"])
    INQUIRIES.apply(inquiry, actor=actor, action=Action.DROP, note=reason, data={"commitment": commitment.pk})
    return commitment


@transaction.atomic
def inquiry_close(*, inquiry_id, actor, note="") -> Inquiry:
    """Closing publishes the record (/inquiries/<id>/)."""
    inquiry = INQUIRIES.begin(inquiry_id, actor, Action.CLOSE)
    note = _text(note, "note", required=False)
    INQUIRIES.apply(inquiry, actor=actor, action=Action.CLOSE, changes={"closed_at": _now()}, note=note)
    return inquiry
