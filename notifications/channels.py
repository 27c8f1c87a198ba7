"""Ways a message leaves the portal. Adapters only send; services.outbound_deliver records each attempt."""

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils.module_loading import import_string

from demands.templatetags.demand_tags import mask_phone
from core.logredact import redact

logger = logging.getLogger("notifications")

DEFAULT_SMS_GATEWAY = "notifications.channels.ConsoleSmsGateway"
DEFAULT_STAFF_CHANNELS = ["log"]
SEND_TIMEOUT_SECONDS = 60


class Channel:
    name = ""

    def send(self, *, to: str, subject: str, body: str) -> None:
        raise NotImplementedError


def _masked_address(to: str) -> str:
    # A staff username names the reader of the log line; an e-mail address or a phone number is personal data.
    local, at, domain = to.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return redact(to)


class LogChannel(Channel):
    """Always available: the message lands in the server log, so nothing is lost when mail is not set up."""

    name = "log"

    def send(self, *, to: str, subject: str, body: str) -> None:
        # One line per message keeps the log greppable; logs are read widely, so codes and links are scrubbed.
        text = redact(body.replace("\n", " "))
        logger.info("Notification to %s: %s | %s", _masked_address(to), redact(subject), text)


class EmailChannel(Channel):
    name = "email"

    def send(self, *, to: str, subject: str, body: str) -> None:
        # A mail server that never answers must not outlast the worker's claim on the message (a second send).
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT_SECONDS)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False, connection=connection)


class SmsGateway:
    """A provider's SMS API. Subclasses raise on failure; the caller records it. A call should give up within
    SEND_TIMEOUT_SECONDS: one still waiting after services.CLAIM_SECONDS may see another worker send it again."""

    def send_sms(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsGateway(SmsGateway):
    """For development and closed networks without a provider. Logs are read widely, so the number is masked and
    the tracking code and rating link, which let anyone read or rate the demand, are left out."""

    def send_sms(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), redact(text))


def sms_gateway() -> SmsGateway:
    return import_string(getattr(settings, "SMS_GATEWAY", DEFAULT_SMS_GATEWAY))()


class SmsChannel(Channel):
    name = "sms"

    def __init__(self, gateway: SmsGateway | None = None):
        self.gateway = gateway

    def send(self, *, to: str, subject: str, body: str) -> None:
        # Resolved here, so a gateway that cannot even be built is recorded as a failed message.
        gateway = self.gateway or sms_gateway()
        # An SMS has no subject line; the body carries everything.
        gateway.send_sms(to, body)


STAFF_CHANNELS = {LogChannel.name: LogChannel, EmailChannel.name: EmailChannel}


def sms_channel() -> SmsChannel:
    return SmsChannel()


def staff_channels() -> list[Channel]:
    return [STAFF_CHANNELS[name]() for name in getattr(settings, "NOTIFICATION_CHANNELS", DEFAULT_STAFF_CHANNELS)]


def channel_by_name(name: str) -> Channel:
    return SmsChannel() if name == SmsChannel.name else STAFF_CHANNELS[name]()
