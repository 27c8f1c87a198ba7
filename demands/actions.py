"""The staff actions offered by pages and the API: each a form that validates input and the service it calls."""

from django.utils.translation import gettext_lazy as _

from . import services
from .forms import (
    ClassifyDispatchForm, ClassifyForm, EmptyForm, MergeForm, NoteOnlyForm, ProgressNoteForm, ReasonForm, ReopenForm,
    RequestExtensionForm, ResolveForm, UnitForm, UrgeForm,
)
from .forms import AddCohandlerForm, CohandlerOpinionForm, RemoveCohandlerForm
from .permissions import CAN
from .states import Action

# Two lifecycle steps a dispatcher usually takes together (受理并派单): one form, one service, one transaction.
CLASSIFY_AND_DISPATCH = "classify_dispatch"

# action -> (form, how the cleaned data becomes a service call)
STAFF_ACTIONS = {
    CLASSIFY_AND_DISPATCH: (ClassifyDispatchForm, lambda pk, actor, c: services.demand_classify_and_dispatch(
        demand_id=pk, actor=actor, type=c["type"], category=c["category"], urgency=c["urgency"], grid=c["grid"],
        unit=c["unit"], note=c["note"])),
    Action.CLASSIFY: (ClassifyForm, lambda pk, actor, c: services.demand_classify(
        demand_id=pk, actor=actor, type=c["type"], category=c["category"], urgency=c["urgency"], grid=c["grid"],
        note=c["note"])),
    Action.REJECT: (ReasonForm, lambda pk, actor, c: services.demand_reject(demand_id=pk, actor=actor, reason=c["reason"])),
    Action.MERGE: (MergeForm, lambda pk, actor, c: services.demand_merge(demand_id=pk, actor=actor, into=c["into"])),
    Action.DISPATCH: (UnitForm, lambda pk, actor, c: services.demand_dispatch(
        demand_id=pk, actor=actor, unit=c["unit"], note=c["note"])),
    Action.ACCEPT: (EmptyForm, lambda pk, actor, c: services.demand_accept(demand_id=pk, actor=actor)),
    Action.RETURN: (ReasonForm, lambda pk, actor, c: services.demand_return(demand_id=pk, actor=actor, reason=c["reason"])),
    Action.REASSIGN: (UnitForm, lambda pk, actor, c: services.demand_reassign(
        demand_id=pk, actor=actor, unit=c["unit"], note=c["note"])),
    Action.REQUEST_EXTENSION: (RequestExtensionForm, lambda pk, actor, c: services.demand_request_extension(
        demand_id=pk, actor=actor, days=c["days"], reason=c["reason"])),
    Action.EXTEND: (NoteOnlyForm, lambda pk, actor, c: services.demand_extend(demand_id=pk, actor=actor, note=c["note"])),
    Action.DENY_EXTENSION: (ReasonForm, lambda pk, actor, c: services.demand_deny_extension(
        demand_id=pk, actor=actor, reason=c["reason"])),
    Action.NOTE: (ProgressNoteForm, lambda pk, actor, c: services.demand_note(
        demand_id=pk, actor=actor, text=c["text"], public=c["public"])),
    Action.RESOLVE: (ResolveForm, lambda pk, actor, c: services.demand_resolve(
        demand_id=pk, actor=actor, outcome=c["outcome"], reply=c["reply"], photos=c["photos"])),
    Action.VERIFY: (NoteOnlyForm, lambda pk, actor, c: services.demand_verify(demand_id=pk, actor=actor, note=c["note"])),
    Action.REOPEN: (ReopenForm, lambda pk, actor, c: services.demand_reopen(
        demand_id=pk, actor=actor, reason=c["reason"], unit=c["unit"])),
    Action.FORWARD: (NoteOnlyForm, lambda pk, actor, c: services.demand_forward(demand_id=pk, actor=actor, note=c["note"])),
    Action.URGE: (UrgeForm, lambda pk, actor, c: services.demand_urge(
        demand_id=pk, actor=actor, note=c["note"], due_date=c["due_date"])),
}

# Joint handling (主办/协办): the dispatcher adds and removes co-handling departments, each gives its opinion.
COHANDLING_ACTIONS = {
    Action.ADD_COHANDLER: (AddCohandlerForm, lambda pk, actor, c: services.demand_add_cohandler(
        demand_id=pk, actor=actor, department=c["department"], due_date=c["due_date"], note=c["note"])),
    Action.COHANDLER_OPINION: (CohandlerOpinionForm, lambda pk, actor, c: services.demand_cohandler_opinion(
        demand_id=pk, actor=actor, text=c["text"])),
    Action.REMOVE_COHANDLER: (RemoveCohandlerForm, lambda pk, actor, c: services.demand_remove_cohandler(
        demand_id=pk, actor=actor, department=c["department"], note=c["note"])),
}
STAFF_ACTIONS.update(COHANDLING_ACTIONS)

# A composed action is offered when its first step is and the actor holds the right to the steps after it.
COMPOSED = {CLASSIFY_AND_DISPATCH: (Action.CLASSIFY, Action.DISPATCH)}
LABELS = {CLASSIFY_AND_DISPATCH: _("classify and dispatch")}

# The step that moves the demand on comes first, open; everything else follows collapsed, refusals last.
PRIMARY = [CLASSIFY_AND_DISPATCH, Action.DISPATCH, Action.ACCEPT, Action.RESOLVE, Action.VERIFY, Action.EXTEND]
SECONDARY = [Action.CLASSIFY, Action.NOTE, Action.REQUEST_EXTENSION, Action.FORWARD, Action.REASSIGN, Action.URGE,
             Action.REOPEN, Action.MERGE, Action.DENY_EXTENSION, Action.RETURN, Action.REJECT]
# The opinion is all a co-handling department does on the page: open. The dispatcher's steps sit beside reassign.
PRIMARY.append(Action.COHANDLER_OPINION)
_after_reassign = SECONDARY.index(Action.REASSIGN) + 1  # before the refusals, which come last
SECONDARY[_after_reassign:_after_reassign] = [Action.ADD_COHANDLER, Action.REMOVE_COHANDLER]
ORDER = {action: i for i, action in enumerate([*PRIMARY, *SECONDARY])}
REFUSALS = frozenset({Action.REJECT, Action.RETURN, Action.DENY_EXTENSION})


def action_label(action: str) -> str:
    return str(LABELS[action]) if action in LABELS else str(Action(action).label)


def offered_actions(actor, demand) -> list[tuple[str, bool]]:
    """The page's actions for `actor` on `demand` now, in the order a person takes them: (action, is primary)."""
    available = set(services.available_actions(actor, demand))
    offered = [a for a in available if a in STAFF_ACTIONS]
    offered += [name for name, (first, *rest) in COMPOSED.items()
                if first in available and all(CAN[step](actor, demand) for step in rest)]
    offered.sort(key=lambda a: ORDER.get(a, len(ORDER)))
    return [(a, a in PRIMARY) for a in offered]
