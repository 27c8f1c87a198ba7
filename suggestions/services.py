"""Every change to a suggestion: one function per action, each one transaction with the row locked.

Each checks, in this order: that the actor may see the suggestion (else 404, as for a missing one), the state
(409), the actor's right (403), then the input (400); then it changes the rows, writes a SuggestionEvent and
tells the people concerned.
"""

import contextlib
import contextvars
import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core.models import Department
from demands.models import Category, Demand, Rating
from deputies.models import Deputy, DutyRecord
from deputies.services import duty_record_add
from notifications.models import Notification
from notifications.services import notify_staff
from core.errors import InvalidInput, NotPermitted
from core.workflow import Lifecycle

from . import selectors
from .models import (
    CODE_PREFIX, Assignment, CoHandlingOpinion, Evaluation, FollowUp, Kind, NumberCounter, ProposerContact, Reply,
    ReplyClass, Suggestion, SuggestionEvent, SuggestionProposer, add_months,
)
from .permissions import CAN, assignment_of, can_draft, can_view, is_lead_proposer, reply_of
from .states import TRANSITIONS, Action, Status

MAX_JOINT = 30
MAX_DEMANDS = 50

# ---------------------------------------------------------------- the clock

_CLOCK: contextvars.ContextVar = contextvars.ContextVar("suggestion_clock", default=None)


@contextlib.contextmanager
def history_clock(at: dt.datetime):
    """Run services as if it were `at`: for the demo's two years of history and for imports, never for requests.

    Replayed history is not news: nobody is notified of it.
    """
    token = _CLOCK.set(at)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _now() -> dt.datetime:
    return _CLOCK.get() or timezone.now()


def _today() -> dt.date:
    return timezone.localdate(_now())


# ---------------------------------------------------------------- checks


def _follow_up_guard(actor, suggestion):
    reply = reply_of(suggestion)
    if reply is None or reply.reply_class != ReplyClass.B:
        return _("Only a class-B reply (being solved or planned) is followed up.")
    if suggestion.follow_ups.filter(resolved=True).exists():
        return _("This suggestion was already marked as resolved.")
    return None


def _evaluate_guard(actor, suggestion):
    deputy_id = getattr(actor, "deputy_id", None)
    if suggestion.evaluations.filter(deputy_id=deputy_id).exists():
        return _("You have already evaluated this reply.")
    return None


def _opinion_guard(actor, suggestion):
    if suggestion.opinions.filter(department_id=getattr(actor, "department_id", None)).exists():
        return _("Your department has already given its opinion.")
    return None


def _is_key(suggestion) -> bool:
    assignment = assignment_of(suggestion)
    return assignment is not None and assignment.is_key


def _contact_stages(suggestion) -> set[str]:
    return set(suggestion.contacts.values_list("stage", flat=True))


def _reply_guard(actor, suggestion):
    # A key suggestion is answered only after the department has talked with its proposers twice.
    if _is_key(suggestion) and not {ProposerContact.Stage.BEFORE, ProposerContact.Stage.DURING} <= _contact_stages(
            suggestion):
        return _("A key suggestion is answered only after the contacts before and during handling "
                 "(办前沟通 and 办中共商) are recorded.")
    return None


def _close_guard(actor, suggestion):
    if _is_key(suggestion) and ProposerContact.Stage.AFTER not in _contact_stages(suggestion):
        return _("A key suggestion is closed only after the lead department's contact after the reply "
                 "(办后回访) is recorded.")
    return None


def _actor_label(actor) -> str:
    # A deputy acts under their own name, which their login's display name need not be.
    deputy = getattr(actor, "deputy", None) if getattr(actor, "role", None) == Role.DEPUTY else None
    return deputy.name if deputy is not None else str(actor or "")


SUGGESTIONS = Lifecycle(
    model=Suggestion,
    transitions=TRANSITIONS,
    can=CAN,
    can_view=can_view,
    # Conditions beyond the state table, answered with a message (409) when unmet.
    guards={
        Action.FOLLOW_UP: _follow_up_guard,
        Action.EVALUATE: _evaluate_guard,
        Action.OPINION: _opinion_guard,
        Action.REPLY: _reply_guard,
        Action.CLOSE: _close_guard,
    },
    refused=gettext_lazy("“%(action)s” is not possible while the suggestion is “%(status)s”."),
    missing=gettext_lazy("No such suggestion."),
    status_label=lambda status: Status(status).label,
    action_label=lambda action: Action(action).label,
    event_model=SuggestionEvent,
    actor_label=_actor_label,
    clock=_now,
)


def refusal(actor, suggestion, action) -> str | None:
    """Why `actor` cannot take `action` on `suggestion` now, or None if they can."""
    return SUGGESTIONS.refusal(actor, suggestion, action)


def available_actions(actor, suggestion) -> list[str]:
    return SUGGESTIONS.available_actions(actor, suggestion)


def _text(value, field: str, message, *, max_length: int, required=True) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise InvalidInput(field_errors={field: [message]})
    if len(value) > max_length:
        raise InvalidInput(field_errors={field: [_("At most %(n)s characters.") % {"n": max_length}]})
    return value


# ---------------------------------------------------------------- notifications


def _url(suggestion) -> str:
    return reverse("suggestions:detail", args=[suggestion.pk])


def _label(suggestion) -> str:
    return f"{suggestion.code or _('draft')}《{suggestion.title}》"


def _tell(users, suggestion, title: str, body: str = "") -> None:
    users = [u for u in users if u is not None]
    if users and _CLOCK.get() is None:
        notify_staff(users=users, kind=Notification.Kind.NOTICE, title=title, body=body,
                     data={"url": _url(suggestion), "suggestion": suggestion.pk})


def _portal_language():
    # Inbox rows are stored in the portal's language, whichever language the request used.
    return translation.override(settings.LANGUAGE_CODE)


def _proposer_users(suggestion, *, exclude=None):
    deputy_ids = list(suggestion.proposers.values_list("deputy_id", flat=True))
    users = User.objects.filter(role=Role.DEPUTY, deputy_id__in=deputy_ids, is_active=True)
    return [u for u in users if exclude is None or u.pk != exclude.pk]


def _handlers(department_ids):
    return list(User.objects.filter(role=Role.HANDLER, department_id__in=list(department_ids), is_active=True))


def _supervisors(suggestion):
    lead = suggestion.proposers.filter(is_lead=True).select_related("deputy").first()
    township = lead.deputy.township_id if lead else None
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).filter(
        Q(township__isnull=True) | Q(township_id=township)))


# ---------------------------------------------------------------- drafting (proposers)


def _joint_deputies(values, *, lead_id) -> list[Deputy]:
    ids = []
    for value in values or ():
        pk = value.pk if isinstance(value, Deputy) else value
        if not selectors.valid_pk(pk):
            raise InvalidInput(field_errors={"joint_deputies": [_("Choose deputies from the list.")]})
        if int(pk) != lead_id and int(pk) not in ids:
            ids.append(int(pk))
    if len(ids) > MAX_JOINT:
        raise InvalidInput(field_errors={"joint_deputies": [_("At most %(n)s joint proposers.") % {"n": MAX_JOINT}]})
    deputies = list(Deputy.objects.filter(pk__in=ids, is_active=True))
    if len(deputies) != len(ids):
        raise InvalidInput(field_errors={"joint_deputies": [_("Choose deputies from the list.")]})
    return deputies


CITE_REFUSED = gettext_lazy("You may cite only demands of your township or demands you handle or follow.")


def _citable(actor, demand_ids) -> list[int]:
    ids = []
    for pk in demand_ids or ():
        if not selectors.valid_pk(pk):
            raise InvalidInput(field_errors={"demands": [CITE_REFUSED]})
        if int(pk) not in ids:
            ids.append(int(pk))
    if len(ids) > MAX_DEMANDS:
        raise InvalidInput(field_errors={"demands": [_("At most %(n)s linked demands.") % {"n": MAX_DEMANDS}]})
    allowed = set(selectors.citable_demands(actor).filter(pk__in=ids).values_list("pk", flat=True))
    refused = [pk for pk in ids if pk not in allowed]
    if refused:
        # Same words whether a demand is missing or outside what the deputy may cite, and nothing about which.
        raise InvalidInput(field_errors={"demands": [CITE_REFUSED]})
    return ids


def _kind(kind) -> str:
    if kind not in Kind.values:
        raise InvalidInput(field_errors={"kind": [_("Choose whether it is a suggestion or a bill.")]})
    return kind


def _category(category) -> Category | None:
    if category is None:
        return None
    if not isinstance(category, Category) or not category.is_active:
        raise InvalidInput(field_errors={"category": [_("Choose a category.")]})
    return category


@transaction.atomic
def suggestion_draft(*, actor, title: str, content: str = "", category=None, joint_deputies=(),
                     demand_ids=(), kind: str = Kind.SUGGESTION) -> Suggestion:
    """A deputy starts a suggestion as its lead proposer; joint proposers and evidence may come now or later."""
    if not can_draft(actor):
        raise NotPermitted(_("Only deputies draft suggestions."))
    title = _text(title, "title", _("Give the suggestion a title."), max_length=200)
    content = _text(content, "content", "", max_length=10000, required=False)
    category = _category(category)
    kind = _kind(kind)
    joint = _joint_deputies(joint_deputies, lead_id=actor.deputy_id)
    demand_ids = _citable(actor, demand_ids)
    now = _now()
    suggestion = Suggestion.objects.create(year=now.year, kind=kind, title=title, content=content, category=category,
                                           status=Status.DRAFT, created_by=actor, created_at=now, updated_at=now)
    SuggestionProposer.objects.bulk_create(
        [SuggestionProposer(suggestion=suggestion, deputy_id=actor.deputy_id, is_lead=True)]
        + [SuggestionProposer(suggestion=suggestion, deputy=d) for d in joint])
    suggestion.demands.set(demand_ids)
    SUGGESTIONS.record(suggestion, actor=actor, action=Action.DRAFT, from_status="",
            data={"joint": [d.pk for d in joint], "demands": demand_ids})
    return suggestion


def _grounds(demands, terms) -> str:
    dates = sorted(d.created_at for d in demands)
    return _("Grounds: from %(first)s to %(last)s residents of %(township)s raised %(n)s demands about "
             "%(terms)s (%(codes)s).\nProposal: ") % {
        "first": timezone.localtime(dates[0]).date().isoformat(),
        "last": timezone.localtime(dates[-1]).date().isoformat(),
        "township": demands[0].township.name if demands[0].township_id else "—",
        "n": len(demands), "terms": "、".join(terms[:3]) or "—",
        "codes": "、".join(d.public_no for d in demands),
    }


@transaction.atomic
def suggestion_draft_from_demands(*, actor, title: str, demand_ids, terms=()) -> Suggestion:
    """A draft citing a group of alike demands (the similar-demands page): its category is the one most of them
    have, its content the grounds they give, for the deputy to complete with the proposal."""
    if not can_draft(actor):
        raise NotPermitted(_("Only deputies draft suggestions."))
    ids = _citable(actor, demand_ids)  # before reading them: nothing is read of a demand the deputy may not cite
    demands = list(Demand.objects.filter(pk__in=ids).select_related("township", "category"))
    categories = Counter(d.category for d in demands if d.category_id and d.category.is_active)
    category = categories.most_common(1)[0][0] if categories else None
    content = _grounds(sorted(demands, key=lambda d: d.created_at), list(terms)) if demands else ""
    return suggestion_draft(actor=actor, title=title, category=category, demand_ids=ids, content=content)


@transaction.atomic
def suggestion_edit(*, suggestion_id, actor, title: str, content: str = "", category=None,
                    joint_deputies=(), kind: str | None = None) -> Suggestion:
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.EDIT)
    kind = suggestion.kind if kind in (None, "") else _kind(kind)
    title = _text(title, "title", _("Give the suggestion a title."), max_length=200)
    content = _text(content, "content", "", max_length=10000, required=False)
    category = _category(category)
    joint = _joint_deputies(joint_deputies, lead_id=actor.deputy_id)
    suggestion.proposers.filter(is_lead=False).delete()
    SuggestionProposer.objects.bulk_create([SuggestionProposer(suggestion=suggestion, deputy=d) for d in joint])
    suggestion._proposer_ids = None
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.EDIT,
                changes={"title": title, "content": content, "category": category, "kind": kind},
                data={"joint": [d.pk for d in joint]})
    return suggestion


@transaction.atomic
def suggestion_link_demand(*, suggestion_id, actor, demand_id) -> Suggestion:
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.LINK)
    pk = _citable(actor, [demand_id])[0]
    if suggestion.demands.filter(pk=pk).exists():
        raise InvalidInput(field_errors={"demands": [_("This demand is already linked.")]})
    if suggestion.demands.count() >= MAX_DEMANDS:
        raise InvalidInput(field_errors={"demands": [_("At most %(n)s linked demands.") % {"n": MAX_DEMANDS}]})
    suggestion.demands.add(pk)
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.LINK, data={"demand": pk})
    return suggestion


@transaction.atomic
def suggestion_unlink_demand(*, suggestion_id, actor, demand_id) -> Suggestion:
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.UNLINK)
    if not selectors.valid_pk(demand_id) or not suggestion.demands.filter(pk=demand_id).exists():
        raise InvalidInput(field_errors={"demands": [_("This demand is not linked to the suggestion.")]})
    suggestion.demands.remove(demand_id)
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.UNLINK, data={"demand": int(demand_id)})
    return suggestion


def _next_number(year: int, kind: str) -> int:
    NumberCounter.objects.get_or_create(year=year, kind=kind)
    counter = NumberCounter.objects.select_for_update().get(year=year, kind=kind)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def suggestion_submit(*, suggestion_id, actor) -> Suggestion:
    """Submit to the congress office for pre-review (前置审核); the number comes when the review passes it."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.SUBMIT)
    errors = {}
    if len((suggestion.content or "").strip()) < 10:
        errors["content"] = [_("Write the grounds and the proposal before submitting.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.SUBMIT)
    with _portal_language():
        _tell(_supervisors(suggestion), suggestion, _("Suggestion %(label)s waits for pre-review") % {
            "label": _label(suggestion)})
    return suggestion


@transaction.atomic
def suggestion_return_draft(*, suggestion_id, actor, reasons: str) -> Suggestion:
    """Pre-review returns the draft to its proposers with the reasons, which they read beside the draft."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.RETURN_DRAFT)
    reasons = _text(reasons, "reasons", _("Say why the draft is returned and what to revise."), max_length=2000)
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.RETURN_DRAFT, note=reasons,
                      changes={"returned_reasons": reasons})
    with _portal_language():
        _tell(_proposer_users(suggestion), suggestion,
              _("Suggestion %(label)s was returned for revision") % {"label": _label(suggestion)}, reasons)
    return suggestion


@transaction.atomic
def suggestion_pass_review(*, suggestion_id, actor, note: str = "") -> Suggestion:
    """Pre-review passes the suggestion: it gets its number, and every proposer a duty record."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.PASS_REVIEW)
    note = _text(note, "note", "", max_length=1000, required=False)
    now = _now()
    seq = _next_number(now.year, suggestion.kind)
    code = f"{CODE_PREFIX[suggestion.kind]}{now.year}-{seq:04d}"
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.PASS_REVIEW, note=note,
                      changes={"year": now.year, "seq": seq, "code": code, "submitted_at": now,
                               "returned_reasons": ""}, data={"code": code})
    with _portal_language():
        title = _("Suggestion submitted: %(title)s") % {"title": suggestion.title}
        proposers = list(suggestion.proposers.select_related("deputy"))
        for proposer in proposers:
            role = _("lead proposer") if proposer.is_lead else _("joint proposer")
            duty_record_add(deputy=proposer.deputy, kind=DutyRecord.Kind.SUGGESTION, title=title,
                            occurred_on=timezone.localdate(now), detail=f"{code} · {role}", source="suggestion",
                            source_id=suggestion.pk, recorded_by=actor)
        _tell(_supervisors(suggestion), suggestion, _("New suggestion %(label)s to assign") % {
            "label": _label(suggestion)}, _("Submitted by %(names)s.") % {
            "names": "、".join(p.deputy.name for p in proposers)})
        _tell(_proposer_users(suggestion), suggestion,
              _("Suggestion %(label)s passed pre-review") % {"label": _label(suggestion)})
    return suggestion


@transaction.atomic
def suggestion_withdraw(*, suggestion_id, actor, reason: str = "") -> Suggestion:
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.WITHDRAW)
    reason = _text(reason, "reason", "", max_length=1000, required=False)
    was_submitted = suggestion.status in (Status.IN_REVIEW, Status.SUBMITTED)
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.WITHDRAW, changes={"closed_at": _now()}, note=reason)
    if was_submitted:
        with _portal_language():
            _tell(_supervisors(suggestion), suggestion,
                  _("Suggestion %(label)s was withdrawn") % {"label": _label(suggestion)}, reason)
    return suggestion


# ---------------------------------------------------------------- supervision office


@transaction.atomic
def suggestion_assign(*, suggestion_id, actor, lead_department, co_departments=(), is_key: bool = False,
                      reply_due: dt.date | None = None, leader: str = "", leader_role: str = "") -> Suggestion:
    """交办 to a lead department and co-handling departments; a second call before the reply reassigns."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.ASSIGN)
    errors = {}
    if not isinstance(lead_department, Department) or not lead_department.is_active:
        errors["lead_department"] = [_("Choose the lead department.")]
    co = []
    for department in co_departments or ():
        if not isinstance(department, Department) or not department.is_active:
            errors["co_departments"] = [_("Choose departments from the list.")]
        elif department != lead_department and department not in co:
            co.append(department)
    today = _today()
    reply_due = reply_due or add_months(today, 3)
    if not isinstance(reply_due, dt.date) or reply_due <= today:
        errors["reply_due"] = [_("The reply date must be in the future.")]
    leader = leader.strip() if isinstance(leader, str) else ""
    leader_role = leader_role or ""
    if len(leader) > 100 or "\x00" in leader:
        errors["leader"] = [_("At most %(n)s characters.") % {"n": 100}]
    elif leader and not is_key:
        errors["leader"] = [_("A named leader leads or supervises a key suggestion only: mark it as key.")]
    elif leader and leader_role not in Assignment.LeaderRole.values:
        errors["leader_role"] = [_("Say whether the leader leads or supervises it.")]
    elif leader_role and not leader:
        errors["leader"] = [_("Give the leader's title and name.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    previous = Assignment.objects.filter(suggestion=suggestion).first()
    fields = {"lead_department": lead_department, "is_key": bool(is_key), "reply_due": reply_due,
              "leader": leader, "leader_role": leader_role,
              "assigned_by": actor, "assigned_at": _now()}
    if previous is None:
        assignment = Assignment.objects.create(suggestion=suggestion, **fields)
    else:
        assignment = previous
        for field, value in fields.items():
            setattr(assignment, field, value)
        assignment.save()
    assignment.co_departments.set(co)
    suggestion.assignment = assignment
    data = {"lead_department": lead_department.pk, "co_departments": [d.pk for d in co], "is_key": bool(is_key),
            "reply_due": reply_due.isoformat(), "unit": str(lead_department), "leader": leader,
            "leader_role": leader_role}
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.ASSIGN, data=data,
                note=_("reassigned") if previous else "")
    with _portal_language():
        due = reply_due.isoformat()
        key = _(" (key supervision)") if is_key else ""
        _tell(_handlers([lead_department.pk]), suggestion,
              _("Suggestion %(label)s assigned to your department to lead%(key)s") % {
                  "label": _label(suggestion), "key": key}, _("Reply by %(due)s.") % {"due": due})
        _tell(_handlers([d.pk for d in co]), suggestion,
              _("Suggestion %(label)s: your department co-handles it") % {"label": _label(suggestion)},
              _("Send your opinion to %(lead)s before %(due)s.") % {"lead": lead_department, "due": due})
        _tell(_proposer_users(suggestion), suggestion,
              _("Your suggestion %(label)s was assigned to %(lead)s") % {"label": _label(suggestion),
                                                                           "lead": lead_department},
              _("Reply due by %(due)s.") % {"due": due})
    return suggestion


@transaction.atomic
def suggestion_close(*, suggestion_id, actor, note: str = "") -> Suggestion:
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.CLOSE)
    note = _text(note, "note", "", max_length=1000, required=False)
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.CLOSE, changes={"closed_at": _now()}, note=note)
    with _portal_language():
        _tell(_proposer_users(suggestion), suggestion,
              _("Suggestion %(label)s was closed") % {"label": _label(suggestion)}, note)
    return suggestion


# ---------------------------------------------------------------- departments


@transaction.atomic
def suggestion_reply(*, suggestion_id, actor, reply_class: str, text: str) -> Suggestion:
    """办复 by the lead department: class A solved/adopted, B being solved/planned, C kept for reference."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.REPLY)
    errors = {}
    if reply_class not in ReplyClass.values:
        errors["reply_class"] = [_("Choose the class of the reply.")]
    try:
        text = _text(text, "text", _("Write the reply, with the reasons."), max_length=10000)
    except InvalidInput as error:
        errors.update(error.field_errors)
    if errors:
        raise InvalidInput(field_errors=errors)
    Reply.objects.create(suggestion=suggestion, department_id=actor.department_id, reply_class=reply_class,
                         text=text, replied_by=actor, replied_at=_now())
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.REPLY, note=text,
                data={"reply_class": reply_class, "unit": str(actor.department)})
    with _portal_language():
        _tell(_proposer_users(suggestion), suggestion,
              _("Suggestion %(label)s was answered (class %(cls)s): please evaluate the reply") % {
                  "label": _label(suggestion), "cls": reply_class})
    return suggestion


@transaction.atomic
def suggestion_contact(*, suggestion_id, actor, stage: str, held_on, form: str, participants: str,
                       agreed: str) -> ProposerContact:
    """The lead department records a contact with the proposers: before and during handling while it handles the
    suggestion, after the reply once it has answered."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.CONTACT)
    errors = {}
    replied = suggestion.status != Status.ASSIGNED
    if stage not in ProposerContact.Stage.values:
        errors["stage"] = [_("Choose the stage of the contact.")]
    elif replied and stage != ProposerContact.Stage.AFTER:
        errors["stage"] = [_("The suggestion is answered: only the contact after the reply (办后回访) is left.")]
    elif not replied and stage == ProposerContact.Stage.AFTER:
        errors["stage"] = [_("The contact after the reply (办后回访) comes once the suggestion is answered.")]
    if form not in ProposerContact.Form.values:
        errors["form"] = [_("Choose how the contact took place.")]
    assigned_on = timezone.localdate(suggestion.assignment.assigned_at)
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        errors["held_on"] = [_("Give the date of the contact.")]
    elif not assigned_on <= held_on <= _today():
        errors["held_on"] = [_("The date must lie between the assignment (%(first)s) and today.") % {
            "first": assigned_on.isoformat()}]
    for field, value, message, limit in (
            ("participants", participants, _("Say who took part."), 200),
            ("agreed", agreed, _("Write what was agreed."), 2000)):
        try:
            _text(value, field, message, max_length=limit)
        except InvalidInput as error:
            errors.update(error.field_errors)
    if errors:
        raise InvalidInput(field_errors=errors)
    contact = ProposerContact.objects.create(
        suggestion=suggestion, stage=stage, held_on=held_on, form=form, participants=participants.strip(),
        agreed=agreed.strip(), department_id=actor.department_id, written_by=actor, created_at=_now())
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.CONTACT, note=contact.agreed,
                      data={"stage": stage, "form": form, "held_on": held_on.isoformat(),
                            "unit": str(actor.department)})
    return contact


@transaction.atomic
def suggestion_add_opinion(*, suggestion_id, actor, text: str) -> CoHandlingOpinion:
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.OPINION)
    text = _text(text, "text", _("Write your department's opinion."), max_length=5000)
    opinion = CoHandlingOpinion.objects.create(suggestion=suggestion, department_id=actor.department_id, text=text,
                                               written_by=actor, created_at=_now())
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.OPINION, note=text, data={"unit": str(actor.department)})
    with _portal_language():
        _tell(_handlers([suggestion.assignment.lead_department_id]), suggestion,
              _("%(dept)s gave its opinion on suggestion %(label)s") % {"dept": actor.department,
                                                                       "label": _label(suggestion)})
    return opinion


@transaction.atomic
def suggestion_follow_up(*, suggestion_id, actor, note: str, resolved: bool = False,
                         year: int | None = None) -> FollowUp:
    """Progress on a class-B suggestion; `resolved` ends its tracking into later years."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.FOLLOW_UP)
    errors = {}
    try:
        note = _text(note, "note", _("Write what has been done since."), max_length=5000)
    except InvalidInput as error:
        errors.update(error.field_errors)
    this_year = _today().year
    year = this_year if year in (None, "") else year
    if not isinstance(year, int) or not suggestion.year <= year <= this_year:
        errors["year"] = [_("Choose a year between %(first)s and %(last)s.") % {"first": suggestion.year,
                                                                              "last": this_year}]
    if errors:
        raise InvalidInput(field_errors=errors)
    follow_up = FollowUp.objects.create(suggestion=suggestion, year=year, note=note, resolved=bool(resolved),
                                        department_id=actor.department_id, written_by=actor, created_at=_now())
    SUGGESTIONS.apply(suggestion, actor=actor, action=Action.FOLLOW_UP, note=note,
                data={"year": year, "resolved": bool(resolved), "unit": str(actor.department)})
    if resolved:
        with _portal_language():
            _tell(_proposer_users(suggestion), suggestion,
                  _("The matter of suggestion %(label)s has been resolved") % {"label": _label(suggestion)}, note)
    return follow_up


# ---------------------------------------------------------------- evaluation (proposers)


@transaction.atomic
def suggestion_evaluate(*, suggestion_id, actor, rating: str, comment: str = "") -> Evaluation:
    """A proposer's evaluation of the reply. The lead proposer's is the suggestion's result and moves it to
    "evaluated"; joint proposers' evaluations are kept beside it and change nothing else."""
    suggestion = SUGGESTIONS.begin(suggestion_id, actor, Action.EVALUATE)
    if rating not in Rating.values:
        raise InvalidInput(field_errors={"rating": [_("Choose how satisfied you are.")]})
    comment = _text(comment, "comment", "", max_length=2000, required=False)
    is_lead = is_lead_proposer(actor, suggestion)
    now = _now()
    evaluation = Evaluation.objects.create(suggestion=suggestion, deputy_id=actor.deputy_id, is_lead=is_lead,
                                           rating=rating, comment=comment, created_at=now)
    data = {"rating": rating, "lead": is_lead}
    if is_lead:
        SUGGESTIONS.apply(suggestion, actor=actor, action=Action.EVALUATE, note=comment, data=data,
                    changes={"result": rating, "evaluated_at": now})
        with _portal_language():
            _tell(_supervisors(suggestion), suggestion,
                  _("Suggestion %(label)s was evaluated: %(rating)s") % {"label": _label(suggestion),
                                                                         "rating": Rating(rating).label}, comment)
    else:
        SUGGESTIONS.apply(suggestion, actor=actor, action=Action.EVALUATE, note=comment, data=data,
                    to_status=suggestion.status)
    return evaluation
