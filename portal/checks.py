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


# Backends whose state lives in one process or on one machine: fine for `make run` and the tests, never for a
# deployment of several processes.
LOCAL_CACHES = {"django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache",
                "django.core.cache.backends.filebased.FileBasedCache"}
LOCAL_BROKERS = ("filesystem:", "memory:")


@register(deploy=True)
def shared_services(app_configs, **kwargs):
    """Production runs several processes (gunicorn workers, Celery worker and beat): the settings' development
    defaults (a SQLite file, a per-process cache, a folder as the queue) would each break that without an error."""
    if settings.DEBUG:
        return []
    errors = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        errors.append(Error(
            "The database is a SQLite file (DATABASE_URL is not set or names SQLite).",
            hint="Set DATABASE_URL to the PostgreSQL database, e.g. postgres://minsheng:…@db:5432/minsheng",
            id="portal.E010"))
    if settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES:
        errors.append(Error(
            "The cache is private to each process (REDIS_URL is not set): rate limits and login lockouts would count "
            "per process, and a revoked token or a deactivated category would stay usable in the other processes.",
            hint="Set REDIS_URL to the shared Redis, e.g. redis://redis:6379/0", id="portal.E011"))
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if not broker or broker.startswith(LOCAL_BROKERS):
        errors.append(Error(
            f"The task queue is {broker or 'not set'!r}: notifications, callbacks and sweeps queued on one machine "
            "would not reach a worker on another.",
            hint="Set REDIS_URL (or CELERY_BROKER_URL) to the shared Redis", id="portal.E012"))
    return errors


@register(deploy=True)
def classifier_model(app_configs, **kwargs):
    """Requests never train the classifier: without the file built at install time every demand would come in
    without a suggestion and none would be routed automatically."""
    if settings.DEBUG:
        return []
    path = settings.CLASSIFIER_PATH
    if not path.is_file():
        return [Error(f"The demand classifier {str(path)!r} has not been built.",
                      hint="Run `python manage.py train_classifier` (make install and the Docker image do), or set "
                           "CLASSIFIER_PATH to where it was built.", id="portal.E013")]
    return []
