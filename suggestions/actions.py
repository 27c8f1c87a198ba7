"""The suggestion actions offered by pages and the API: each a form that validates input and the service it calls."""

from . import services
from .forms import (
    AssignForm, ContactForm, EmptyForm, EvaluateForm, FollowUpForm, LinkForm, NoteForm, OpinionForm, ReasonForm, ReplyForm,
    ReturnForm, UnlinkForm,
)
from .states import Action

# action -> (form, how the cleaned data becomes a service call). Drafting and editing have their own pages.
ACTIONS = {
    Action.LINK: (LinkForm, lambda pk, actor, c: services.suggestion_link_demand(
        suggestion_id=pk, actor=actor, demand_id=c["public_no"])),
    Action.UNLINK: (UnlinkForm, lambda pk, actor, c: services.suggestion_unlink_demand(
        suggestion_id=pk, actor=actor, demand_id=c["demand"])),
    Action.SUBMIT: (EmptyForm, lambda pk, actor, c: services.suggestion_submit(suggestion_id=pk, actor=actor)),
    Action.PASS_REVIEW: (NoteForm, lambda pk, actor, c: services.suggestion_pass_review(
        suggestion_id=pk, actor=actor, note=c["note"])),
    Action.RETURN_DRAFT: (ReturnForm, lambda pk, actor, c: services.suggestion_return_draft(
        suggestion_id=pk, actor=actor, reasons=c["reasons"])),
    Action.WITHDRAW: (ReasonForm, lambda pk, actor, c: services.suggestion_withdraw(
        suggestion_id=pk, actor=actor, reason=c["reason"])),
    Action.ASSIGN: (AssignForm, lambda pk, actor, c: services.suggestion_assign(
        suggestion_id=pk, actor=actor, lead_department=c["lead_department"], co_departments=c["co_departments"],
        is_key=c["is_key"], reply_due=c["reply_due"], leader=c["leader"], leader_role=c["leader_role"])),
    Action.REPLY: (ReplyForm, lambda pk, actor, c: services.suggestion_reply(
        suggestion_id=pk, actor=actor, reply_class=c["reply_class"], text=c["text"])),
    Action.CONTACT: (ContactForm, lambda pk, actor, c: services.suggestion_contact(
        suggestion_id=pk, actor=actor, stage=c["stage"], held_on=c["held_on"], form=c["form"],
        participants=c["participants"], agreed=c["agreed"])),
    Action.OPINION: (OpinionForm, lambda pk, actor, c: services.suggestion_add_opinion(
        suggestion_id=pk, actor=actor, text=c["text"])),
    Action.EVALUATE: (EvaluateForm, lambda pk, actor, c: services.suggestion_evaluate(
        suggestion_id=pk, actor=actor, rating=c["rating"], comment=c["comment"])),
    Action.CLOSE: (NoteForm, lambda pk, actor, c: services.suggestion_close(
        suggestion_id=pk, actor=actor, note=c["note"])),
    Action.FOLLOW_UP: (FollowUpForm, lambda pk, actor, c: services.suggestion_follow_up(
        suggestion_id=pk, actor=actor, note=c["note"], resolved=c["resolved"], year=c["year"])),
}

# The actions the detail page offers as forms beside the suggestion (unlink is a button on each linked demand).
PAGE_ACTIONS = [a for a in ACTIONS if a != Action.UNLINK]
