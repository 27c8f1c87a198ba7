"""The staff actions offered by pages and the API: each a form that validates input and the service it calls."""

from . import services
from .forms import (
    ClassifyForm, EmptyForm, MergeForm, NoteOnlyForm, ProgressNoteForm, ReasonForm, ReopenForm, RequestExtensionForm,
    ResolveForm, UnitForm, UrgeForm,
)
from .states import Action

# action -> (form, how the cleaned data becomes a service call)
STAFF_ACTIONS = {
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
