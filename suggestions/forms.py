"""Forms validate what a person typed; the services decide what it means."""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demands.forms import CategoryField
from core.models import Department
from demands.models import Rating
from core.validators import MAX_PK, valid_pk
from deputies.models import Deputy
from grids.models import Township
from core.fields import DateInput, SafeDateField

from .models import Assignment, Kind, ProposerContact, ReplyClass
from .permissions import assignment_of
from .selectors import demand_id_by_number, demand_ids_by_numbers
from .services import CITE_REFUSED


def _is_id(value) -> bool:
    """Digits only (no sign, space, fraction or boolean) and an id a row could have."""
    return str(value).isdigit() and valid_pk(value)


class DeputyChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if isinstance(value, (list, tuple)) and not all(_is_id(v) for v in value):
            raise forms.ValidationError(_("Choose deputies from the list."))
        return super().clean(value)

    def label_from_instance(self, deputy):
        return f"{deputy.name} · {deputy.get_level_display()} · {deputy.township.name}"


class DemandCodesField(forms.CharField):
    """Public numbers, one per line or separated by commas or spaces → demand ids (the service decides, with one
    answer for missing and not-citable, which ones this deputy may cite)."""

    widget = forms.Textarea(attrs={"rows": 3, "autocapitalize": "characters", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value) or ""
        ids, malformed = demand_ids_by_numbers([c for c in re.split(r"[\s,，;；、]+", value.strip()) if c])
        if malformed:
            raise forms.ValidationError(_("Not a demand number: %(numbers)s. Numbers look like BZ-2026-004213."),
                                        params={"numbers": "、".join(malformed)})
        return ids


class DepartmentField(forms.ModelChoiceField):
    """An id that cannot be a row (too large for the database, not a number) is an invalid choice."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class DepartmentsField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if isinstance(value, (list, tuple)) and not all(_is_id(v) for v in value):
            raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                        params={"pk": ""})
        return super().clean(value)


def _deputies():
    return Deputy.objects.filter(is_active=True).select_related("township").order_by("township__sort", "code")


def _departments():
    return Department.objects.filter(is_active=True).order_by("code")


class SuggestionFieldsMixin(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.SUGGESTION, required=False,
                             widget=forms.RadioSelect,
                             help_text=_("A bill (议案) is numbered on its own sequence."))
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("For example: 关于改善曾口镇农村客运班线的建议"))
    content = forms.CharField(label=_("Grounds and proposal (案由 and 建议)"), max_length=10000, required=False,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              help_text=_("What the problem is and why it matters, then what you propose."))
    category = CategoryField(label=_("Category"), required=False, empty_label=_("Choose (optional)"))
    joint_deputies = DeputyChoiceField(label=_("Joint proposers (联名)"), queryset=Deputy.objects.none(),
                                       required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        deputies = _deputies()
        if viewer is not None and getattr(viewer, "deputy_id", None):
            deputies = deputies.exclude(pk=viewer.deputy_id)
        self.fields["joint_deputies"].queryset = deputies


class DraftForm(SuggestionFieldsMixin):
    demands = DemandCodesField(label=_("Linked demands (tracking codes)"), required=False,
                               help_text=_("Demands of your township, or that you handle or follow, as evidence."))


class EditForm(SuggestionFieldsMixin):
    def __init__(self, *args, suggestion=None, **kwargs):
        super().__init__(*args, **kwargs)
        if suggestion is not None and not self.is_bound:
            self.initial.update({
                "title": suggestion.title, "content": suggestion.content, "category": suggestion.category_id,
                "kind": suggestion.kind,
                "joint_deputies": [p.deputy_id for p in suggestion.proposers.all() if not p.is_lead],
            })


class SuggestionActionForm(forms.Form):
    def __init__(self, *args, suggestion, **kwargs):
        self.suggestion = suggestion
        super().__init__(*args, **kwargs)


class EmptyForm(SuggestionActionForm):
    pass


class LinkForm(SuggestionActionForm):
    public_no = forms.CharField(label=_("Demand number"), max_length=40, help_text=_("For example BZ-2026-004213."),
                                widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}))

    def clean_public_no(self):
        # Only the form of the number is checked here; whether it exists and may be cited is the service's one
        # answer, so the two cases read the same.
        pk = demand_id_by_number(self.cleaned_data["public_no"])
        if pk is None:
            raise forms.ValidationError(CITE_REFUSED)
        return pk


class UnlinkForm(SuggestionActionForm):
    demand = forms.IntegerField(label=_("Demand"), min_value=1, max_value=MAX_PK, widget=forms.HiddenInput)


class ReasonForm(SuggestionActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(SuggestionActionForm):
    reasons = forms.CharField(label=_("Why the draft is returned, and what to revise"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(SuggestionActionForm):
    note = forms.CharField(label=_("Note"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(SuggestionActionForm):
    lead_department = DepartmentField(label=_("Lead department"), queryset=Department.objects.none(),
                                             empty_label=_("Choose the lead department"))
    co_departments = DepartmentsField(label=_("Co-handling departments"),
                                                    queryset=Department.objects.none(), required=False,
                                                    widget=forms.CheckboxSelectMultiple)
    is_key = forms.BooleanField(label=_("Key supervision (重点督办)"), required=False)
    reply_due = SafeDateField(label=_("Reply due (default: three months from today)"), required=False,
                                widget=DateInput())
    leader = forms.CharField(label=_("Leader who leads or supervises it (key suggestions)"), max_length=100,
                             required=False, help_text=_("Title and name, for example: 副区长 王强"))
    leader_role = forms.ChoiceField(label=_("The leader's role"), required=False,
                                    choices=[("", _("none"))] + list(Assignment.LeaderRole.choices))

    def __init__(self, *args, suggestion, **kwargs):
        super().__init__(*args, suggestion=suggestion, **kwargs)
        self.fields["lead_department"].queryset = _departments()
        self.fields["co_departments"].queryset = _departments()
        assignment = assignment_of(suggestion)
        if assignment is not None and not self.is_bound:
            self.initial.update({"lead_department": assignment.lead_department_id, "is_key": assignment.is_key,
                                 "co_departments": [d.pk for d in assignment.co_departments.all()],
                                 "reply_due": assignment.reply_due, "leader": assignment.leader,
                                 "leader_role": assignment.leader_role})
        elif suggestion.category_id and not self.is_bound:
            handling = Department.objects.filter(categories=suggestion.category_id, is_active=True).first()
            self.initial.setdefault("lead_department", handling.pk if handling else None)


class ReplyForm(SuggestionActionForm):
    reply_class = forms.ChoiceField(label=_("Class of the reply"), choices=ReplyClass.choices,
                                    widget=forms.RadioSelect)
    text = forms.CharField(label=_("Reply, with the reasons"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 6}))


class ContactForm(SuggestionActionForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=ProposerContact.Stage.choices, widget=forms.RadioSelect)
    held_on = SafeDateField(label=_("Date"), widget=DateInput())
    form = forms.ChoiceField(label=_("Form"), choices=ProposerContact.Form.choices)
    participants = forms.CharField(label=_("Who took part"), max_length=200,
                                   help_text=_("For example: 王代表；住建局副局长李明"))
    agreed = forms.CharField(label=_("What was agreed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, suggestion, **kwargs):
        super().__init__(*args, suggestion=suggestion, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())


class OpinionForm(SuggestionActionForm):
    text = forms.CharField(label=_("Your department's opinion"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class EvaluateForm(SuggestionActionForm):
    rating = forms.ChoiceField(label=_("How satisfied are you with the reply?"), choices=Rating.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Your comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(SuggestionActionForm):
    note = forms.CharField(label=_("Progress since the reply"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    resolved = forms.BooleanField(label=_("The matter is now resolved"), required=False)
    year = forms.IntegerField(label=_("Year (default: this year)"), required=False, min_value=2000, max_value=2100)


# ---------------------------------------------------------------- helping a deputy form a suggestion

PERIODS = [(30, _("last 30 days")), (90, _("last 90 days")), (180, _("last 180 days")), (365, _("last year"))]


class SimilarForm(forms.Form):
    township = forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.all(),
                                      empty_label=None)
    days = forms.TypedChoiceField(label=_("Period"), choices=PERIODS, coerce=int, initial=90)

    def since(self) -> dt.datetime:
        return timezone.now() - dt.timedelta(days=self.cleaned_data["days"])


class DraftFromGroupForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    demand_ids = forms.CharField(widget=forms.HiddenInput, max_length=2000)
    terms = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)

    def clean_demand_ids(self):
        raw = self.cleaned_data["demand_ids"]
        ids = [int(x) for x in (x.strip() for x in raw.split(",")) if _is_id(x)]
        if not ids:
            raise forms.ValidationError(_("Choose the demands to cite."))
        return ids
