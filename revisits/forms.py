"""The call's forms: what comes in is bounded here; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from demands.models import Rating

from .models import MAX_SAID_LENGTH


class ReachForm(forms.Form):
    said = forms.CharField(label=_("What the resident said"), max_length=MAX_SAID_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}))
    view = forms.ChoiceField(label=_("The resident's view"), choices=Rating.choices, widget=forms.RadioSelect)
    reopen = forms.BooleanField(label=_("Not settled: have the demand handled again"), required=False)
    reopen_reason = forms.CharField(label=_("What must be handled again"), max_length=500, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)


class MissForm(forms.Form):
    note = forms.CharField(label=_("Note (no answer, busy, wrong number …)"), max_length=500, required=False)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)


class UncallableForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
