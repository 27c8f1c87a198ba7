"""Forms validate what a person typed; the services decide what it means."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import PhoneField
from core.models import Department
from grids.models import Township

from .models import Candidate, Evaluation, Proposal
from .states import ProposalStatus


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Proposal title"), max_length=100,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Lifts for the old flats on 江北大道")}))
    content = forms.CharField(label=_("What should be done, and where?"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    township = forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.order_by("sort"),
                                      empty_label=_("Choose"))
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    contact_phone = PhoneField(label=_("Your phone"), max_length=20, required=False,
                               help_text=_("Seen only by the staff screening the proposals."))

    def __init__(self, *args, deputy=None, **kwargs):
        super().__init__(*args, **kwargs)
        if deputy is not None:
            # A deputy proposes from their session: their township by default, no contact fields.
            del self.fields["contact_name"], self.fields["contact_phone"]
            self.fields["township"].required = False
            self.fields["township"].initial = deputy.township_id


class BallotForm(forms.Form):
    # Plain choices, not a queryset: validating a model choice would send the chosen ids to the database.
    candidates = forms.TypedMultipleChoiceField(label=_("Candidate projects"), coerce=int, choices=[],
                                                widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].choices = [(c.pk, str(c)) for c in
                                             Candidate.objects.filter(round=round_).order_by("number")]
        self.fields["candidates"].help_text = _("Tick at most %(k)s. Ticking none casts a blank ballot.") % {
            "k": round_.seats}


class CandidateForm(forms.Form):
    title = forms.CharField(label=_("Candidate project title"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))
    budget = forms.DecimalField(label=_("Budget (10,000 yuan)"), max_digits=10, decimal_places=2, min_value=0.01)
    department = forms.ModelChoiceField(label=_("Responsible department"),
                                        queryset=Department.objects.filter(is_active=True), empty_label=_("Choose"))
    proposals = forms.ModelMultipleChoiceField(label=_("Proposals merged into it"), queryset=Proposal.objects.none(),
                                               widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = Proposal.objects.filter(round=round_, status=ProposalStatus.SUBMITTED)


class MergeForm(forms.Form):
    candidate = forms.ModelChoiceField(label=_("Merge into candidate"), queryset=Candidate.objects.none(),
                                       empty_label=_("Choose"))

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = Candidate.objects.filter(round=round_).order_by("number")


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason not adopted"), max_length=200)


def _month_choices():
    today = timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _i in range(15):
        months.append((f"{year}-{month:02d}", f"{year}-{month:02d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


class ProgressForm(forms.Form):
    month = forms.ChoiceField(label=_("Month"), choices=_month_choices)
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Progress this month"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def clean_month(self):
        year, month = self.cleaned_data["month"].split("-")
        return dt.date(int(year), int(month), 1)


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int,
                                     choices=[(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))])
    summary = forms.CharField(label=_("Quarterly report"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    spent = forms.DecimalField(label=_("Spent so far (10,000 yuan)"), max_digits=10, decimal_places=2, min_value=0,
                               required=False)


class EvaluationForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you with this project?"),
                               choices=Evaluation.Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
