"""Refuse to start with a channel setting that would only fail later, after a commit, in a log line."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .channels import DEFAULT_SMS_GATEWAY, DEFAULT_STAFF_CHANNELS, STAFF_CHANNELS, SmsGateway


@register()
def channel_settings(app_configs, **kwargs):
    errors = []
    unknown = [n for n in getattr(settings, "NOTIFICATION_CHANNELS", DEFAULT_STAFF_CHANNELS) if n not in STAFF_CHANNELS]
    if unknown:
        errors.append(Error(
            f"NOTIFICATION_CHANNELS has unknown channels {unknown}; choose from {sorted(STAFF_CHANNELS)}.",
            id="notifications.E001",
        ))
    path = getattr(settings, "SMS_GATEWAY", DEFAULT_SMS_GATEWAY)
    try:
        gateway = import_string(path)
    except ImportError as error:
        errors.append(Error(f"SMS_GATEWAY {path!r} cannot be imported: {error}", id="notifications.E002"))
    else:
        if not (isinstance(gateway, type) and issubclass(gateway, SmsGateway)):
            errors.append(Error(f"SMS_GATEWAY {path!r} is not an SmsGateway subclass.", id="notifications.E003"))
    return errors
