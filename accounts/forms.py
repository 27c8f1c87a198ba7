"""Forms of the SMS sign-in (demands.phone_signin)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("The mobile number you gave with your demands"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_phone(self):
        phone = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if not MOBILE_RE.match(phone):
            raise forms.ValidationError(_("Enter an 11-digit mobile number."))
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(label=_("The 6-digit code from the SMS"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("The code is six digits."))
        return code
