"""Forms validate what a person typed; the services decide what it means."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Department
from core.validators import PhoneField
from deputies.models import Deputy
from grids.models import Township

from .models import TEXT_LENGTH, TITLE_LENGTH, Topic
from .permissions import is_participant
from .states import CommitmentStatus


def _townships(required=False):
    return forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.order_by("sort", "code"),
                                  required=required, empty_label=_("The whole district"))


class ProposeForm(forms.Form):
    """The public form: a topic and, if they wish, a phone for supervisors to ask more. No name is asked."""

    title = forms.CharField(label=_("Topic"), max_length=TITLE_LENGTH,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Parking around the old town's "
                                                                           "schools")}))
    description = forms.CharField(label=_("What should the deputies examine, and why?"), max_length=TEXT_LENGTH,
                                  required=False, widget=forms.Textarea(attrs={"rows": 5}))
    township = _townships()
    contact_phone = PhoneField(label=_("Your phone (optional)"), max_length=20, required=False,
                               help_text=_("Seen only by the supervisors moderating topics; never published."))


class TopicForm(forms.Form):
    """Supervisors take a topic from the figures: the hotspot term or the low figure it comes from is kept."""

    title = forms.CharField(label=_("Topic"), max_length=TITLE_LENGTH)
    description = forms.CharField(label=_("What should be examined"), max_length=TEXT_LENGTH, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    township = _townships()
    source = forms.ChoiceField(label=_("Source"), choices=[c for c in Topic.Source.choices
                                                            if c[0] != Topic.Source.PUBLIC])
    source_note = forms.CharField(label=_("From the figures"), max_length=200, required=False,
                                  help_text=_("The hotspot term, or the figure's name and value."))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.pop("obj", None)
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)


class ReasonForm(NoteForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)

    field_order = ["reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Meeting date"), widget=forms.DateInput(attrs={"type": "date"}))
    township = _townships()
    departments = forms.ModelMultipleChoiceField(label=_("Departments questioned"),
                                                 queryset=Department.objects.filter(is_active=True),
                                                 widget=forms.CheckboxSelectMultiple)
    deputies = forms.ModelMultipleChoiceField(label=_("Deputies taking part"), queryset=Deputy.objects.none(),
                                              widget=forms.SelectMultiple(attrs={"size": 8}))
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), required=False,
                                   empty_label=_("No topic"))

    def __init__(self, *args, topics, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        deputies = Deputy.objects.filter(is_active=True).order_by("township__sort", "name")
        if user.township_id is not None:
            # A township's presidium questions with its own deputies, in its own township.
            deputies = deputies.filter(township_id=user.township_id)
            self.fields["township"].queryset = Township.objects.filter(pk=user.township_id)
            self.fields["township"].required = True
            self.fields["township"].initial = user.township_id
        self.fields["deputies"].queryset = deputies


# ---------------------------------------------------------------- actions on one inquiry


class _InquiryForm(forms.Form):
    def __init__(self, *args, obj, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.inquiry, self.user = obj, user


class AskForm(_InquiryForm):
    # Not required here: whether it is needed depends on who asks, which the service decides after the right.
    deputy = forms.ModelChoiceField(label=_("Asked by"), queryset=Deputy.objects.none(), empty_label=_("Choose"),
                                    required=False)
    department = forms.ModelChoiceField(label=_("Asked of"), queryset=Department.objects.none(),
                                        empty_label=_("Choose"))
    text = forms.CharField(label=_("Question"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = self.inquiry.departments.all()
        if is_participant(self.user, self.inquiry):
            del self.fields["deputy"]  # a deputy asks in their own name (the service's own test)
        else:
            self.fields["deputy"].queryset = self.inquiry.deputies.all()


class AnswerForm(_InquiryForm):
    # The choices shown are the department's; any id is accepted here so that the service, not the form, refuses
    # someone else's (403 for a right, not 400 for a choice).
    question = forms.IntegerField(label=_("Question"), min_value=1, widget=forms.Select)
    answer = forms.CharField(label=_("Answer"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = self.inquiry.questions.filter(answer="", department_id=getattr(self.user, "department_id", None))
        self.fields["question"].widget.choices = [(q.pk, q.text[:60]) for q in questions]


class HoldForm(_InquiryForm):
    summary = forms.CharField(label=_("Record of the meeting"), max_length=5000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))


class CommitForm(_InquiryForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        empty_label=_("Choose"))
    text = forms.CharField(label=_("Commitment"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("Due by"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = self.inquiry.departments.all()


class EmptyForm(_InquiryForm):
    pass


def _open_commitments(inquiry, department_id=None):
    rows = inquiry.commitments.filter(status=CommitmentStatus.OPEN).select_related("department")
    return rows if department_id is None else rows.filter(department_id=department_id)


class ProgressForm(_InquiryForm):
    commitment = forms.IntegerField(label=_("Commitment"), min_value=1, widget=forms.Select)
    note = forms.CharField(label=_("What was done"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    done = forms.BooleanField(label=_("This finishes the commitment"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = _open_commitments(self.inquiry, getattr(self.user, "department_id", None) or 0)
        self.fields["commitment"].widget.choices = [(c.pk, c.text[:60]) for c in rows]


class DropForm(_InquiryForm):
    commitment = forms.IntegerField(label=_("Commitment"), min_value=1, widget=forms.Select)
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commitment"].widget.choices = [(c.pk, f"{c.department} · {c.text[:50]}")
                                             for c in _open_commitments(self.inquiry)]


class CloseForm(_InquiryForm):
    note = forms.CharField(label=_("Closing note"), max_length=TEXT_LENGTH, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
