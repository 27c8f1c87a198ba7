"""Signing in with a one-time code sent by SMS to the phone a resident gave with their demands (短信验证码登录).

Whoever proves they hold a phone sees, in 我的诉求, every demand given with that number, without tracking codes. The
code is the only credential, so: six digits from `secrets`, kept as a keyed digest, valid ten minutes, one use,
five tries; at most one SMS a minute and five a day per phone, and a cap per address for senders of many numbers.
A code goes only to a number that has demands, and the page answers the same either way, so it tells no one
whether a number ever asked the portal anything.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PhoneCode, Role, User
from core.errors import InvalidInput
from core.ratelimit import over_phone_limit

from . import signals
from .models import Demand

CODE_LIFETIME = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
CODES_PER_DAY = 5


def _digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def has_demands(phone: str) -> bool:
    # The excluded blank matches the partial index's condition, so PostgreSQL reads the index (demand_contact_phone).
    return Demand.objects.filter(contact_phone=phone).exclude(contact_phone="").exists()


def phone_code_request(*, phone: str) -> bool:
    """Send a code to `phone` if it has demands; True if one was sent. Refuses (InvalidInput) a resend within a
    minute or beyond the day's codes, the same for every number."""
    if over_phone_limit("phone_code_minute", phone, 1, RESEND_SECONDS):
        raise InvalidInput(field_errors={"phone": [_("A code was just sent; wait a minute before asking again.")]})
    if over_phone_limit("phone_code_day", phone, CODES_PER_DAY, 24 * 3600):
        raise InvalidInput(field_errors={"phone": [_("Too many codes for this number today; try again tomorrow.")]})
    if not has_demands(phone):
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        # A new code replaces any earlier one: only the latest text is the one to type.
        PhoneCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        PhoneCode.objects.create(phone=phone, digest=_digest(phone, code), created_at=now,
                                 expires_at=now + CODE_LIFETIME)
        # In this transaction: notifications queues the text as a pending row, sent once the code is stored.
        signals.sign_in_code_issued.send(sender=PhoneCode, phone=phone, code=code)
    return True


def phone_code_verify(*, phone: str, code: str) -> User:
    """The resident account for `phone` once `code` is right: the latest unused, unexpired code, within its tries."""
    now = timezone.now()
    with transaction.atomic():
        latest = (PhoneCode.objects.select_for_update().filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
                  .order_by("-created_at").first())
        right = (latest is not None and latest.attempts < MAX_ATTEMPTS
                 and hmac.compare_digest(latest.digest, _digest(phone, (code or "").strip())))
        if right:
            PhoneCode.objects.filter(pk=latest.pk).update(used_at=now)
        elif latest is not None:
            # Committed although the sign-in fails: the count of tries is what stops guessing.
            PhoneCode.objects.filter(pk=latest.pk).update(attempts=F("attempts") + 1)
    if not right:
        raise InvalidInput(field_errors={"code": [_("The code is wrong or has expired. Ask for a new one.")]})
    return _resident_for(phone, now)


@transaction.atomic
def _resident_for(phone: str, now) -> User:
    user = (User.objects.select_for_update().filter(role=Role.RESIDENT, phone=phone, phone_verified_at__isnull=False)
            .order_by("pk").first())
    if user is None:
        # An account made for the number, with no password: the phone is how its holder signs in.
        user, created = User.objects.get_or_create(
            username=f"sms-{phone}", defaults={"role": Role.RESIDENT, "phone": phone, "password": "!"})
    if not user.is_active or user.role != Role.RESIDENT:
        raise InvalidInput(field_errors={"code": [_("This number cannot sign in here.")]})
    user.phone, user.phone_verified_at = phone, now
    user.save(update_fields=["phone", "phone_verified_at"])
    return user
