"""Secrets out of every log line: tracking codes, rating and API tokens, the secret part of URL paths, phone numbers.

The one home of the patterns. `redact` serves the audit trail, gunicorn's access log and the notification
channels; `RedactFilter` sits on the root handlers (settings.LOGGING), on Celery's handlers once the worker has
replaced them, and on Django's request loggers (core.audit.install_redaction), so that a test's capture sees
the scrubbed text too.
"""

import logging
import re

# demands.codes.ALPHABET (with L, which a resident may type for a misheard symbol): 18 symbols in groups of three,
# with or without the dashes; a public number (BZ-2026-000123) grants nothing and is left alone.
_SYMBOL = "[2-9A-HJ-NP-TV-Z]"
_TRACKING_CODE = re.compile(rf"(?<![0-9A-Z]){_SYMBOL}{{3}}(?:[-‐－—]?{_SYMBOL}{{3}}){{5}}(?![0-9A-Z])", re.I)
# The SMS sign-in code (demands.phone_signin), in the words its text uses in either language.
_SIGN_IN_CODE = re.compile(r"(验证码是|code is )\d{4,8}", re.I)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_API_TOKEN = re.compile(r"msk_[\w-]+")
# /track/<code>/, /rate/<token>/, /photos/<token>/, /open311/v2/tokens/<code>.json, /requests/<id>.
_SECRET_SEGMENT = re.compile(r"(/(?:track|rate|photos|tokens|requests)/)[^/?#.\s]+")
_SECRET_QUERY = re.compile(r"([?&](?:api_key|token|rating_token|code)=)[^&#\s]+", re.I)
# secrets.token_urlsafe(24) and longer: upper and lower case and a digit, which identifiers and UUIDs lack.
_URLSAFE_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{24,}"
    r"(?![A-Za-z0-9_-])"
)


def redact(text: str) -> str:
    text = _SECRET_SEGMENT.sub(r"\1…", text)
    text = _SECRET_QUERY.sub(r"\1…", text)
    text = _API_TOKEN.sub("msk_…", text)
    text = _URLSAFE_TOKEN.sub("…", text)
    text = _TRACKING_CODE.sub("…", text)
    text = _SIGN_IN_CODE.sub(r"\1…", text)
    return _PHONE.sub(r"\1****\2", text)


class RedactFilter(logging.Filter):
    """Rewrites a record's message (and its traceback) with secrets removed before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            # Formatted once here, so the handler prints this text instead of formatting the exception again.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def add_to_handlers(logger: logging.Logger) -> None:
    for handler in logger.handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())


def _celery_replaced_the_handlers(sender=None, logger=None, **kwargs) -> None:
    if logger is not None:
        add_to_handlers(logger)


try:
    from celery.signals import after_setup_logger, after_setup_task_logger
except ImportError:  # pragma: no cover - Celery is a requirement; a bare Django shell still logs safely
    pass
else:
    # A worker drops the root handlers set up by LOGGING (worker_hijack_root_logger) and installs its own,
    # which would print task arguments and results unscrubbed; these receivers put the filter back on them.
    after_setup_logger.connect(_celery_replaced_the_handlers, weak=False, dispatch_uid="core.logredact.root")
    after_setup_task_logger.connect(_celery_replaced_the_handlers, weak=False, dispatch_uid="core.logredact.task")
