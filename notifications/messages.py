"""What each notification says: one function per kind returning (title, body).

Texts name a demand by its public number, category and township only. Never the resident's name or phone:
inbox rows, e-mails and logs travel further than the demand itself.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from demands.escalation import LEVEL_NAMES

from .models import Notification

Kind = Notification.Kind


def _when(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _facts(demand, **extra) -> dict:
    return {
        "code": demand.public_no,  # never the tracking code: messages are stored and staff read them
        "category": demand.category.name if demand.category_id else _("uncategorised"),
        "township": demand.township.name if demand.township_id else "—",
        **extra,
    }


def dispatched(demand, *, deadline=None):
    facts = _facts(demand, deadline=_when(deadline or demand.accept_deadline))
    return (
        _("New demand %(code)s for your unit") % facts,
        _("%(category)s, %(township)s. Please accept it by %(deadline)s.") % facts,
    )


def accept_overdue(demand, *, deadline=None):
    facts = _facts(demand, deadline=_when(deadline or demand.accept_deadline), unit=demand.unit or "—")
    return (
        _("Demand %(code)s was not accepted in time") % facts,
        _("%(category)s, %(township)s. %(unit)s should have accepted it by %(deadline)s.") % facts,
    )


def escalation_warning(demand, *, level=1, deadline=None):
    facts = _facts(demand, deadline=_when(deadline or demand.resolve_deadline), level=LEVEL_NAMES[level])
    return (
        _("Demand %(code)s is due soon") % facts,
        _("%(category)s, %(township)s. It must be resolved by %(deadline)s (escalation level %(level)s).") % facts,
    )


def escalation_overdue(demand, *, level=2, deadline=None):
    facts = _facts(demand, deadline=_when(deadline or demand.resolve_deadline), level=LEVEL_NAMES[level])
    return (
        _("Demand %(code)s is overdue") % facts,
        _("%(category)s, %(township)s. It should have been resolved by %(deadline)s (escalation level %(level)s).")
        % facts,
    )


def supervision_order(demand, *, deadline, note=""):
    facts = _facts(demand, deadline=_when(deadline))
    body = _("%(category)s, %(township)s. Finish it and answer the order by %(deadline)s.") % facts
    return _("Supervision order on demand %(code)s") % facts, f"{body}\n{note}".strip()


def extension_requested(demand, *, days=None, reason=""):
    facts = _facts(demand, days=days or demand.extension_requested_days or "—", unit=demand.unit or "—")
    body = _("%(category)s, %(township)s. %(unit)s asks for %(days)s more working days.") % facts
    return _("Extension requested for demand %(code)s") % facts, f"{body}\n{reason}".strip()


def returned(demand, *, unit="", reason=""):
    # The unit fields are already cleared by the return, so the caller passes who returned it.
    facts = _facts(demand, unit=unit or _("The unit"))
    body = _("%(category)s, %(township)s. %(unit)s returned it; it needs to be dispatched again.") % facts
    return _("Demand %(code)s was returned") % facts, f"{body}\n{reason}".strip()


# The resident gets these two by SMS (body only). "Verified" means handled and checked, not yet closed (已办结 comes
# with the rating); the words around the link stay short, as one SMS segment holds 70 Chinese characters.
def rating_link(demand, *, link):
    facts = _facts(demand, link=link)
    return (
        _("Please rate how demand %(code)s was handled") % facts,
        _("Your demand %(code)s has been handled. Please tell us whether you are satisfied: %(link)s") % facts,
    )


def rating_reminder(demand, *, link, deadline=None):
    facts = _facts(demand, link=link, deadline=_when(deadline))
    if deadline is None:
        body = _("You have not yet rated how your demand %(code)s was handled. Please rate it here: %(link)s")
    else:
        body = _("You have not yet rated how your demand %(code)s was handled. Please rate it by %(deadline)s "
                 "here: %(link)s")
    return _("Reminder: please rate demand %(code)s") % facts, body % facts


# The resident's SMS at the other steps. Named by category, not by number (the resident never saw the number), and
# short enough for one segment (70 characters) with the longest unit names; only the receipt carries a link.
def _resident_facts(demand, **extra) -> dict:
    # Not yet classified: the first words the resident wrote (their own, to their own phone).
    words = demand.content.strip()
    topic = demand.category.name if demand.category_id else (words[:10] + "…" if len(words) > 10 else words)
    return {"category": topic,
            "unit": str(demand.unit) if demand.unit else _("the handling unit"), **extra}


def receipt(demand, *, link):
    return (_("Demand received"),
            _("Your demand was received. Follow it, add to it or withdraw it here (keep this link to yourself): "
              "%(link)s") % {"link": link})


def resident_dispatched(demand):
    facts = _resident_facts(demand, deadline=_when(demand.resolve_deadline))
    return (_("Demand assigned"),
            _("Your demand (%(category)s) is with %(unit)s, to be finished by %(deadline)s.") % facts)


def resident_rejected(demand):
    facts = _resident_facts(demand)
    return (_("Demand not taken up"),
            _("Your demand (%(category)s) cannot be taken up; the reason is on its tracking page.") % facts)


def replied(demand):
    facts = _resident_facts(demand)
    return (_("Demand replied"),
            _("%(unit)s replied to your demand (%(category)s). Once the result is checked you will be asked to "
              "rate it.") % facts)


def reopened(demand):
    facts = _resident_facts(demand)
    return (_("Demand handled again"),
            _("Your demand (%(category)s) is being handled again by %(unit)s.") % facts)


def flagged(demand):
    facts = _facts(demand)
    return (
        _("Demand %(code)s is flagged for supervisors") % facts,
        _("%(category)s, %(township)s. The resident was dissatisfied twice; please review how it was handled.")
        % facts,
    )


def forwarded(demand, *, unit="", reason=""):
    facts = _facts(demand, unit=unit or _("The deputy"))
    body = _("%(category)s, %(township)s. %(unit)s forwarded it for dispatch and keeps following it.") % facts
    return _("Demand %(code)s was forwarded by a deputy") % facts, f"{body}\n{reason}".strip()


def supplemented(demand, *, text=""):
    facts = _facts(demand)
    body = _("%(category)s, %(township)s. The resident added information:") % facts
    return _("Demand %(code)s: the resident added information") % facts, f"{body}\n{text}".strip()


def chased(demand, *, chases=1, note=""):
    facts = _facts(demand, chases=chases)
    body = _("%(category)s, %(township)s. The handling deadline has passed and the resident chased it "
             "(%(chases)s times in all).") % facts
    return _("Demand %(code)s was chased by the resident") % facts, f"{body}\n{note}".strip()


def withdrawn(demand, *, reason=""):
    facts = _facts(demand)
    body = _("%(category)s, %(township)s. The resident withdrew it; there is nothing more to do.") % facts
    return _("Demand %(code)s was withdrawn by the resident") % facts, f"{body}\n{reason}".strip()


def cohandling_requested(demand, *, deadline=None, lead="", note=""):
    facts = _facts(demand, deadline=_when(deadline), lead=lead or demand.unit or "—")
    body = _("%(category)s, %(township)s. %(lead)s leads it; please give your department's opinion on the demand "
             "page by %(deadline)s.") % facts
    return _("Demand %(code)s: your department is asked to co-handle it") % facts, f"{body}\n{note}".strip()


def cohandling_opinion(demand, *, unit="", late=False):
    facts = _facts(demand, unit=unit or _("A co-handling department"))
    body = (_("%(category)s, %(township)s. %(unit)s gave its opinion after its deadline; read it on the demand page.")
            if late else _("%(category)s, %(township)s. %(unit)s gave its opinion; read it on the demand page.")) % facts
    return _("Demand %(code)s: a co-handling opinion came in") % facts, body


MESSAGES = {
    Kind.DISPATCHED: dispatched,
    Kind.ACCEPT_OVERDUE: accept_overdue,
    Kind.ESCALATION_WARNING: escalation_warning,
    Kind.ESCALATION_OVERDUE: escalation_overdue,
    Kind.SUPERVISION_ORDER: supervision_order,
    Kind.EXTENSION_REQUESTED: extension_requested,
    Kind.RETURNED: returned,
    Kind.RATING_LINK: rating_link,
    Kind.RATING_REMINDER: rating_reminder,
    Kind.FLAGGED: flagged,
    Kind.FORWARDED: forwarded,
    Kind.SUPPLEMENTED: supplemented,
    Kind.CHASED: chased,
    Kind.WITHDRAWN: withdrawn,
    Kind.RECEIPT: receipt,
    Kind.RESIDENT_DISPATCHED: resident_dispatched,
    Kind.RESIDENT_REJECTED: resident_rejected,
    Kind.REPLIED: replied,
    Kind.REOPENED: reopened,
    Kind.COHANDLING_REQUESTED: cohandling_requested,
    Kind.COHANDLING_OPINION: cohandling_opinion,
}


def render(kind: str, demand, **kwargs) -> tuple[str, str]:
    if kind == Kind.NOTICE:
        return str(kwargs["title"]), str(kwargs.get("body", ""))
    if demand is None:
        raise ValueError(f"notification kind {kind!r} needs a demand")
    return MESSAGES[Kind(kind)](demand, **kwargs)
