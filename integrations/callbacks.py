"""Signed callbacks telling an integration client that a demand it submitted changed status.

A delivery is a pending row written right after the demand's transaction commits; a worker POSTs it, and
failures are retried with exponential back-off for 24 hours. Delivery is at least once: clients deduplicate
by the X-Minsheng-Delivery header (or the payload's event_id).
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request

from django.db import transaction
from django.utils import timezone

from demands.models import DemandEvent
from demands.states import Action
from demands.templatetags.demand_tags import RESIDENT_NOTES
from core.queue import enqueue_on_commit

from .models import CallbackAttempt, CallbackDelivery, Integration

log = logging.getLogger(__name__)
Status = CallbackDelivery.Status

TIMEOUT_SECONDS = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 60 * 60
GIVE_UP_AFTER = dt.timedelta(hours=24)
# A claimed delivery looks "not yet due" to everyone else this long, so no row lock is held during the POST.
CLAIM_SECONDS = 60


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(payload: dict) -> bytes:
    # sort_keys: PostgreSQL's jsonb does not keep key order, and every attempt should send the same bytes.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def callback_payload(event: DemandEvent) -> dict:
    """What the client is told: codes and statuses, never the resident's name or phone."""
    demand = event.demand
    return {
        "event_id": event.pk,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "public_no": demand.public_no,
        "external_id": demand.external_id,
        "status": demand.status,  # now, which may already be past to_status (a rating that reopens)
        "occurred_at": timezone.localtime(event.created_at).isoformat(),
        # Only notes written for the resident, as on the public tracking page.
        "note": event.note if event.public and event.action in RESIDENT_NOTES else "",
    }


def callback_queue(*, event_id: int) -> CallbackDelivery | None:
    """Record a pending delivery for a status change of an integration's demand; the first POST runs on commit."""
    from .tasks import callback_attempt_task

    event = DemandEvent.objects.select_related("demand").filter(pk=event_id).first()
    if event is None or (event.from_status == event.to_status and event.action != Action.RECEIVE):
        return None
    if event.demand.submitted_by_id is None:
        return None
    integration = (Integration.objects.filter(user_id=event.demand.submitted_by_id, is_active=True)
                   .exclude(callback_url="").first())
    if integration is None:
        return None
    now = timezone.now()
    # Only a delivery to record needs a transaction (and its commit): most events have none.
    with transaction.atomic():
        delivery, created = CallbackDelivery.objects.get_or_create(
            integration=integration, event=event,
            defaults={"demand": event.demand, "payload": callback_payload(event), "next_attempt_at": now,
                      "created_at": now},
        )
        if created:
            enqueue_on_commit(callback_attempt_task, delivery_id=delivery.pk)
    return delivery


def next_delay(attempts: int) -> float:
    """30 s, 1 min, 2 min, … capped at an hour; jitter keeps many failed deliveries from retrying in step."""
    base = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.0)


def callback_attempt(*, delivery_id: int) -> float | None:
    """POST a due delivery once and record the answer; never raises for the client's faults.

    Returns the seconds until the next attempt, or None when delivered, given up, or not due (someone else
    holds it or it was already done).
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    body = body_of(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "minsheng-portal-callbacks/1",
        "X-Minsheng-Signature": sign(delivery.integration.callback_secret, body),
        "X-Minsheng-Event": delivery.payload.get("action", ""),
        "X-Minsheng-Delivery": str(delivery.pk),
    }
    attempted_at = timezone.now()
    started = time.monotonic()
    http_status, error = _post(delivery.integration.callback_url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _finish(delivery.pk, attempted_at=attempted_at, http_status=http_status, error=error,
                   duration_ms=duration_ms)


@transaction.atomic
def _claim(delivery_id: int) -> CallbackDelivery | None:
    delivery = (CallbackDelivery.objects.select_for_update(of=("self",)).select_related("integration")
                .filter(pk=delivery_id).first())
    now = timezone.now()
    if delivery is None or delivery.status != Status.PENDING or delivery.next_attempt_at > now:
        return None
    integration = delivery.integration
    scheme = urllib.parse.urlsplit(integration.callback_url).scheme
    if not integration.is_active or scheme not in ("http", "https"):
        log.warning("callback delivery %s dropped: integration %s inactive or without an http(s) URL",
                    delivery.pk, integration.pk)
        delivery.status = Status.FAILED
        delivery.save(update_fields=["status"])
        return None
    delivery.next_attempt_at = now + dt.timedelta(seconds=CLAIM_SECONDS)
    delivery.save(update_fields=["next_attempt_at"])
    return delivery


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is recorded as the client's answer (3xx, not delivered); a POST is never replayed elsewhere.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        try:
            text = error.read(200).decode("utf-8", "replace")
        except Exception:
            text = ""
        finally:
            error.close()
        return error.code, f"HTTP {error.code} {error.reason}: {text}".strip().rstrip(":")
    except Exception as error:  # timeouts, refused connections, bad URLs, broken responses: all the client's
        return None, f"{type(error).__name__}: {error}"


@transaction.atomic
def _finish(delivery_id: int, *, attempted_at, http_status, error, duration_ms) -> float | None:
    delivery = CallbackDelivery.objects.select_for_update().get(pk=delivery_id)
    CallbackAttempt.objects.create(delivery=delivery, attempted_at=attempted_at, http_status=http_status,
                                   error=error[:2000], duration_ms=duration_ms)
    delivery.attempts += 1
    fields = ["attempts"]
    now = timezone.now()
    give_up_at = delivery.created_at + GIVE_UP_AFTER
    delay = None
    if delivery.status != Status.PENDING:
        pass  # a slow attempt outlived its claim and another worker finished the delivery meanwhile
    elif http_status is not None and 200 <= http_status < 300:
        delivery.status, delivery.delivered_at = Status.DELIVERED, now
        fields += ["status", "delivered_at"]
    elif now >= give_up_at:
        log.warning("callback delivery %s gave up after %s attempts: %s", delivery.pk, delivery.attempts, error)
        delivery.status = Status.FAILED
        fields.append("status")
    else:
        # The last try lands on the 24-hour mark rather than past it.
        delivery.next_attempt_at = min(now + dt.timedelta(seconds=next_delay(delivery.attempts)), give_up_at)
        fields.append("next_attempt_at")
        delay = max(0.0, (delivery.next_attempt_at - now).total_seconds())
    delivery.save(update_fields=fields)
    return delay


def due_deliveries(*, overdue_seconds: int = 60, limit: int = 100) -> list[int]:
    """Pending deliveries whose task never ran (broker down, worker lost): due for longer than a grace period."""
    cutoff = timezone.now() - dt.timedelta(seconds=overdue_seconds)
    return list(CallbackDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=cutoff)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
