"""What every form page does with one service call: validate, call, and show a refusal beside the form."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

from core.errors import ApplicationError, NotFound


def attach_errors(form, error: ApplicationError) -> None:
    """Show a service's refusal on the form: on its fields where it names them, else above the form."""
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@dataclass(frozen=True)
class Outcome:
    status: int  # 200 when the service ran; else 400 / 403 / 409 ...
    value: object = None  # what the service returned

    @property
    def ok(self) -> bool:
        return self.status < 400


def submit_form(form, call: Callable[[dict], object]) -> Outcome:
    """Validate `form` and hand its cleaned data to `call` (one service call). Bad input and refusals go beside the
    form with the status that says why; a NotFound is the 404 page, as everywhere else."""
    if not form.is_valid():
        return Outcome(400)
    try:
        value = call(form.cleaned_data)
    except NotFound as error:
        raise Http404(error.message) from None
    except ApplicationError as error:
        attach_errors(form, error)
        return Outcome(error.http_status)
    return Outcome(200, value)


def submit_action(request, *, actions: dict, action: str, obj, object_kwarg: str, before=None):
    """The page side of the workflow engine: the action's form, bound to the post and named by the action (so a
    page can hold several), then its one service call. Returns (outcome, form); an unknown action is a 404.
    `before(form)` runs on the bound form first (the demand page puts back photos kept from a failed attempt)."""
    if action not in actions:
        raise Http404
    form_class, call = actions[action]
    form = form_class(request.POST, request.FILES, prefix=action, **{object_kwarg: obj})
    if before is not None:
        before(form)
    return submit_form(form, lambda cleaned: call(obj.pk, request.user, cleaned)), form
