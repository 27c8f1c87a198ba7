import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import PhoneField
from core.fields import DateInput, SafeDateField
from demands.models import DemandType, Outcome
from grids.models import Township

from .models import Deputy, DutyRecord, GroupActivity, Station
from .services import MANUAL_KINDS


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, initial=Outcome.EXPLAINED)
    reply = forms.CharField(label=_("Reply to the resident"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class ForwardForm(forms.Form):
    note = forms.CharField(label=_("Note for the handling centre"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DutyRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, DutyRecord.Kind(k).label) for k in MANUAL_KINDS])
    occurred_on = SafeDateField(label=_("Date"), widget=DateInput(),
                                  initial=timezone.localdate)
    title = forms.CharField(label=_("Title"), max_length=200)
    detail = forms.CharField(label=_("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NumbersField(forms.CharField):
    """Public demand numbers, one per line or separated by commas or spaces."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [c for c in text.replace(",", " ").replace("，", " ").split() if c]


class ReceptionForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    held_on = SafeDateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    deputies = forms.ModelMultipleChoiceField(label=_("Deputies receiving"), queryset=Deputy.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    visitor_count = forms.IntegerField(label=_("Number of visitors"), min_value=0, max_value=10000, initial=0)
    visitors = forms.CharField(label=_("Who came"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Names are seen only by the station's deputies and the supervision office."))
    topics = forms.CharField(label=_("What they raised"), widget=forms.Textarea(attrs={"rows": 4}))
    demand_numbers = NumbersField(label=_("Demands created (numbers)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["deputies"].queryset = Deputy.objects.filter(stations__in=stations, is_active=True).distinct()
        if stations.count() == 1:
            self.fields["station"].initial = stations.first()


class ReceptionDemandForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=DemandType.choices)
    content = forms.CharField(label=_("What the visitor raised"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=2000)
    address = forms.CharField(label=_("Address or place"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("Visitor's name"), required=False, max_length=50)
    contact_phone = PhoneField(label=_("Visitor's phone"), required=False)


class ParticipationForm(forms.Form):
    start = SafeDateField(label=_("From"), required=False, widget=DateInput())
    end = SafeDateField(label=_("To"), required=False, widget=DateInput())
    township = forms.ModelChoiceField(label=_("Township"), queryset=Township.objects.all(), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels")), *Deputy.Level.choices], required=False)

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        cleaned["end"] = cleaned.get("end") or today
        cleaned["start"] = cleaned.get("start") or cleaned["end"].replace(month=1, day=1)
        if cleaned["start"] > cleaned["end"]:
            self.add_error("start", _("The start of the period must not be after its end."))
        elif cleaned["end"] - cleaned["start"] > dt.timedelta(days=366 * 6):
            self.add_error("start", _("Choose a period of at most six years."))
        return cleaned


class ReportWriteForm(forms.Form):
    year = forms.IntegerField(label=_("Year reported on"), min_value=2000, max_value=2100,
                              initial=lambda: timezone.localdate().year - 1)
    body = forms.CharField(label=_("Report"), max_length=5000, widget=forms.Textarea(attrs={"rows": 14}),
                           help_text=_("What you did this year for your constituents, and what you will do next. "
                                       "Residents read and rate it once published; do not name residents."))


class ReportEditForm(forms.Form):
    body = forms.CharField(label=_("Report"), max_length=5000, widget=forms.Textarea(attrs={"rows": 14}))


class EmptyForm(forms.Form):
    pass


class ScoreYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)


class GroupActivityForm(forms.Form):
    held_on = SafeDateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupActivity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    participants = forms.ModelMultipleChoiceField(label=_("Members present"), queryset=Deputy.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = group.members.filter(is_active=True).order_by("code")


class ContactsForm(forms.Form):
    """One number per grid the deputy is embedded in: households they keep in fixed contact with there."""

    def __init__(self, *args, deputy, **kwargs):
        super().__init__(*args, **kwargs)
        current = dict(deputy.constituent_contacts.values_list("grid_id", "households"))
        self.grids = list(deputy.grids.order_by("code"))
        for grid in self.grids:
            self.fields[f"grid_{grid.pk}"] = forms.IntegerField(
                label=grid.name, min_value=0, max_value=2000, initial=current.get(grid.pk, 0))

    def households(self) -> dict:
        return {g.pk: self.cleaned_data[f"grid_{g.pk}"] or 0 for g in self.grids}
