"""Deployment checks of the portal's own settings (`manage.py check --deploy`)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_HOSTS = {"localhost", "localhost.localdomain", "testserver"}


def _is_local(host: str) -> bool:
    if host.lower() in LOCAL_HOSTS or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def public_base_url(app_configs, **kwargs):
    """QR codes, posters and SMS links are absolute: in production they must point to the portal's public
    https address, never to the developer's machine."""
    if settings.DEBUG:
        return []
    url = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    hint = "Set PUBLIC_BASE_URL to the address residents reach, e.g. https://minsheng.example.gov.cn"
    if not url:
        return [Error("PUBLIC_BASE_URL is not set; QR codes, posters and SMS links would have no address.",
                      hint=hint, id="portal.E001")]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return [Error(f"PUBLIC_BASE_URL {url!r} is not an https address.", hint=hint, id="portal.E002")]
    if _is_local(parts.hostname):
        return [Error(f"PUBLIC_BASE_URL {url!r} points to this machine, not to an address residents reach.",
                      hint=hint, id="portal.E003")]
    return []
