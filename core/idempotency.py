"""Idempotency-Key on API actions: the first answer is stored and every repeat replays it, concurrent ones too."""

import hashlib
import json
import re
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .api import error_body
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def request_hash(request) -> str:
    body = json.dumps(request.data if isinstance(request.data, dict) else {}, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.path}|{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        return Response(error_body("idempotency_key_reused",
                                   _("This Idempotency-Key was used with a different request.")), status=422)
    return Response(record.response_body, status=record.response_status)


def idempotent(post):
    """Wraps an APIView's `post` so that a request with an Idempotency-Key runs at most once per (user, key).

    The key is claimed before the action runs, in the action's transaction: a concurrent request with the same
    key waits on the unique index until the first commits, then replays its stored answer. An action that fails
    rolls its claim back with it, so a retry (or a request that was waiting) runs as if it were the first.
    """

    @wraps(post)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "")[:MAX_KEY_LENGTH]
        if not key:
            return post(view, request, *args, **kwargs)
        if _CONTROL.search(key):
            return Response(error_body("invalid", _("The Idempotency-Key header holds control characters.")),
                            status=400)
        digest = request_hash(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(user=request.user, key=key, request_hash=digest)
            except IntegrityError:
                # Raised only once the holder of the key committed: its answer is there to replay.
                return _replay(IdempotencyRecord.objects.get(user=request.user, key=key), digest)
            response = post(view, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)  # an answered error is not stored: the client may retry
                return response
            # Through JSON and back: the first answer is sent exactly as every replay will be.
            record.response_status = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
            record.save(update_fields=["response_status", "response_body"])
        return Response(record.response_body, status=record.response_status)

    return wrapper
