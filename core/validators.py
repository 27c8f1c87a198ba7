"""Small checks every app applies to what comes in from outside."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_PK = 2**63 - 1  # bigint: a larger id cannot exist, and PostgreSQL would refuse to compare it
# A mainland mobile number, or a landline with its area code.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def valid_pk(pk) -> bool:
    try:
        return 0 < int(pk) <= MAX_PK
    except (TypeError, ValueError):
        return False


class PhoneField(forms.CharField):
    def clean(self, value):
        value = re.sub(r"[\s()（）]", "", super().clean(value) or "")
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError(_("Enter an 11-digit mobile number or a landline such as 0827-5221234."))
        return value
