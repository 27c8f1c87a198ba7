"""The inquiry actions offered by the staff pages: each a form that validates input and the service it calls."""

from . import services
from .forms import (
    AnswerForm,
    AskForm,
    CloseForm,
    CommitForm,
    DropForm,
    EmptyForm,
    HoldForm,
    ProgressForm,
)
from .states import Action

ACTIONS = {
    Action.ASK: (AskForm, lambda pk, actor, c: services.inquiry_ask(
        inquiry_id=pk, actor=actor, department=c["department"], text=c["text"], deputy=c.get("deputy"))),
    Action.ANSWER: (AnswerForm, lambda pk, actor, c: services.inquiry_answer(
        inquiry_id=pk, actor=actor, question_id=c["question"], answer=c["answer"])),
    Action.HOLD: (HoldForm, lambda pk, actor, c: services.inquiry_hold(
        inquiry_id=pk, actor=actor, summary=c["summary"])),
    Action.COMMIT: (CommitForm, lambda pk, actor, c: services.inquiry_commit(
        inquiry_id=pk, actor=actor, department=c["department"], text=c["text"], due_on=c["due_on"])),
    Action.FOLLOW: (EmptyForm, lambda pk, actor, c: services.inquiry_follow(inquiry_id=pk, actor=actor)),
    Action.PROGRESS: (ProgressForm, lambda pk, actor, c: services.inquiry_progress(
        inquiry_id=pk, actor=actor, commitment_id=c["commitment"], note=c["note"], done=c["done"])),
    Action.DROP: (DropForm, lambda pk, actor, c: services.inquiry_drop(
        inquiry_id=pk, actor=actor, commitment_id=c["commitment"], reason=c["reason"])),
    Action.CLOSE: (CloseForm, lambda pk, actor, c: services.inquiry_close(
        inquiry_id=pk, actor=actor, note=c["note"])),
}
