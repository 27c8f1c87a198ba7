"""The audit trail of abuse: failed logins, lockouts and refused requests, one line each on "core.audit".

Lines name the actor and target by id and the client by address. Phone numbers, tracking codes, rating and
API tokens and session keys never reach a log record: the audit lines leave them out, and Django's own
request lines (which quote the URL path) are scrubbed by RedactFilter.
"""

import logging
import re

from .logredact import RedactFilter, redact
from .ratelimit import client_ip

log = logging.getLogger("core.audit")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# URL keyword arguments that identify a record without being a secret.
TARGET_KWARGS = ("pk", "year", "order_id")

# Refusals by status; a 404 counts only on a route that exists ("not yours" looks like "does not exist").
REASONS = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 429: "throttled"}

# Django's loggers that quote the request path; RedactFilter sits on each (filters do not inherit).
PATH_LOGGERS = ("django.request", "django.security.csrf", "django.server", "axes")


def _field(value, limit: int = 64) -> str:
    # Attacker-chosen text (usernames) stays on one line and short, so it cannot forge or flood log lines.
    text = _CONTROL.sub("?", str(value))[:limit].replace(" ", "_")
    return redact(text) or "-"


def audit(event: str, request=None, **fields) -> None:
    parts = [event]
    if request is not None:
        user = getattr(request, "user", None)
        parts.append(f"actor={user.pk if user is not None and user.is_authenticated else '-'}")
        parts.append(f"ip={_field(client_ip(request))}")
    parts += [f"{key}={_field(value)}" for key, value in fields.items() if value not in (None, "")]
    log.warning(" ".join(parts))


def install_redaction() -> None:
    redactor = RedactFilter()
    for name in PATH_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(redactor)


def _route(request) -> tuple[str, str, str]:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "", "", ""
    target = next((str(match.kwargs[k]) for k in TARGET_KWARGS if k in match.kwargs), "")
    return match.view_name, target, str(match.kwargs.get("action", ""))


def _reason(request, response) -> str:
    explicit = getattr(request, "audit_reason", None)
    if explicit:
        return explicit
    data = getattr(response, "data", None)  # the API's {"code", "detail"}
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        return data["code"]
    return REASONS[response.status_code]


class AuditMiddleware:
    """One "refused" line for every 401, 403 and 429, and every 404 on an existing route, pages and API alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status in REASONS:
            route, target, action = _route(request)
            if status != 404 or route:
                credentials = "token" if request.META.get("HTTP_AUTHORIZATION") else ""
                audit("refused", request, status=status, reason=_reason(request, response), method=request.method,
                      route=route or "-", target=target, action=action, credentials=credentials)
        return response


def login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    """Receiver of Django's user_login_failed; credentials arrive with the password already masked."""
    username = (credentials or {}).get("username", "")
    if request is None:
        audit("login_failed", username=username, reason="invalid_credentials")
        return
    audit("login_failed", request, username=username, reason="invalid_credentials")


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Receiver of django-axes' user_locked_out: this (username, address) pair is now refused for the cool-off."""
    audit("lockout", request, username=username or "", reason="too_many_failures")


def connect_receivers() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.connect(login_failed, dispatch_uid="core.audit.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="core.audit.locked_out")
