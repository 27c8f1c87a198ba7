"""The few errors a service may raise; pages and the API each map them once."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "error"
    http_status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, field_errors: dict | None = None):
        self.message = message or self.default_message
        self.field_errors = field_errors or {}
        super().__init__(str(self.message))


class InvalidInput(ApplicationError):
    code = "invalid"
    http_status = 400
    default_message = _("Please correct the errors below.")


class Unprocessable(ApplicationError):
    """Input of the right shape that names something unknown (a unit, a category, a demand number)."""

    code = "unprocessable"
    http_status = 422
    default_message = _("Please correct the errors below.")


class NotPermitted(ApplicationError):
    code = "forbidden"
    http_status = 403
    default_message = _("You may not do this.")


class NotFound(ApplicationError):
    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class TransitionNotAllowed(ApplicationError):
    code = "conflict"
    http_status = 409
    default_message = _("This action is not possible in the demand's current state.")
