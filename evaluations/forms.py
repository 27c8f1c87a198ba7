"""The evaluation's forms: what comes in is bounded here; the rules are the services'."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Department

from .models import MAX_COMMENT_LENGTH, MAX_TEXT_LENGTH, Rating


class _UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RoundForm(forms.Form):
    year = forms.IntegerField(label=_("Year evaluated"), min_value=2000, max_value=2999)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    units = _UnitChoice(label=_("Units evaluated"), queryset=Department.objects.filter(is_active=True),
                        widget=forms.CheckboxSelectMultiple)
    public_service_units = _UnitChoice(label=_("Of these, public service units"), required=False,
                                       queryset=Department.objects.filter(is_active=True),
                                       widget=forms.CheckboxSelectMultiple)
    min_score = forms.DecimalField(label=_("Lowest passing score"), min_value=0, max_value=100, decimal_places=1,
                                   initial=Decimal(80))
    min_satisfaction = forms.DecimalField(label=_("Lowest passing rated satisfaction (%)"), min_value=0,
                                          max_value=100, decimal_places=1, initial=Decimal(70))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class RatingForm(forms.Form):
    """One unit's rating; the unit is the sheet's id, checked against the round by the service."""

    unit = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1,
                              error_messages={"required": _("Choose a unit to rate.")})
    rating = forms.ChoiceField(label=_("Your rating"), choices=Rating.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Choose how satisfied you are with this unit."),
                                               "invalid_choice": _("Choose how satisfied you are with this unit.")})
    comment = forms.CharField(label=_("Comment (optional, not published)"), max_length=MAX_COMMENT_LENGTH,
                              required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("Rectification plan"), max_length=MAX_TEXT_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, rectification=None, **kwargs):
        super().__init__(*args, **kwargs)


class InterviewForm(forms.Form):
    held_on = forms.DateField(label=_("Interview date"), widget=forms.DateInput(attrs={"type": "date"}))
    held_by = forms.CharField(label=_("Held by, and who attended for the unit"), max_length=200)
    notes = forms.CharField(label=_("What was said and agreed"), max_length=MAX_TEXT_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, rectification=None, **kwargs):
        super().__init__(*args, **kwargs)


class VerifyForm(forms.Form):
    verification = forms.CharField(label=_("How the rectification was checked"), max_length=MAX_TEXT_LENGTH,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, rectification=None, **kwargs):
        super().__init__(*args, **kwargs)
