"""Forms validate what a person typed; the services decide what it means."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from grids.models import Community, Grid, Township
from core.validators import PHONE_RE, PhoneField  # noqa: F401 (forms below use them)
from core.fields import DateInput, SafeDateField

from .codes import normalize_code
from core.models import Department
from .models import Category, Demand, DemandType, Deputy, Outcome, Rating, Urgency



class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > settings.MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos."), params={"n": settings.MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


class KeptPhotosMixin:
    """Photos that passed their check on an earlier, failed try of this form (demands.pending_uploads).

    The view sets `kept_photos`; they go to the service with the new ones and count against the same limit.
    """

    kept_photos = ()

    @property
    def kept_photos_name(self) -> str:
        return self.add_prefix("kept_photos")

    @property
    def remove_photos_name(self) -> str:
        return self.add_prefix("remove_photos")

    @property
    def photo_room(self) -> int:
        return max(0, settings.MAX_PHOTOS - len(self.kept_photos))

    def clean_photos(self):
        photos = [*(p.as_upload() for p in self.kept_photos), *(self.cleaned_data.get("photos") or [])]
        if len(photos) > settings.MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos."), params={"n": settings.MAX_PHOTOS})
        return photos


def category_choices(empty_label):
    groups = {}
    for cat in Category.objects.filter(is_active=True).select_related("parent").order_by("parent__sort", "sort"):
        if cat.parent_id:
            groups.setdefault(cat.parent.name, []).append((str(cat.pk), cat.name))
    return [("", empty_label), *groups.items()]


class CategoryField(forms.ChoiceField):
    def __init__(self, *, empty_label, **kwargs):
        super().__init__(choices=lambda: category_choices(empty_label), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return Category.objects.filter(pk=value, is_active=True).first()



class PlaceFieldsMixin:
    """Township → community → grid: each select lists only the children of the choice above it.

    Without JavaScript the resident presses “update” and the page returns with the narrowed lists.
    """

    def setup_places(self):
        data = self.data if self.is_bound else {}
        township_id = data.get(self.add_prefix("township")) or self.initial.get("township")
        community_id = data.get(self.add_prefix("community")) or self.initial.get("community")
        self.fields["community"].queryset = (
            Community.objects.filter(township_id=township_id) if str(township_id or "").isdigit() else Community.objects.none()
        )
        self.fields["grid"].queryset = (
            Grid.objects.filter(community_id=community_id) if str(community_id or "").isdigit() else Grid.objects.none()
        )

    def clean_places(self, cleaned):
        township, community, grid = cleaned.get("township"), cleaned.get("community"), cleaned.get("grid")
        if community and township and community.township_id != township.pk:
            self.add_error("community", _("The village or community does not belong to the chosen township."))
        if grid and community and grid.community_id != community.pk:
            self.add_error("grid", _("The grid does not belong to the chosen village or community."))


class SubmitForm(KeptPhotosMixin, PlaceFieldsMixin, forms.Form):
    type = forms.ChoiceField(label=_("What kind of demand is it?"), choices=DemandType.choices, widget=forms.RadioSelect,
                             initial=DemandType.HELP)
    category = CategoryField(label=_("Category"), required=False, empty_label=_("Not sure — let the centre decide"))
    content = forms.CharField(label=_("Describe the problem"), max_length=2000, min_length=5,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What happened, where, since when, and what you hope for."))
    township = forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.all(),
                                      empty_label=_("Choose a township or street"))
    community = forms.ModelChoiceField(label=_("Village or community"), queryset=Community.objects.none(),
                                       required=False, empty_label=_("Choose (optional)"))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False,
                                  empty_label=_("Choose (optional)"))
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos (up to 3, 5 MB each)"))
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    contact_phone = PhoneField(label=_("Your phone"), max_length=20, required=False,
                               help_text=_("Only the staff handling your demand can see it."))
    is_public = forms.BooleanField(label=_("The content may be shown publicly (without my name and phone)"),
                                   required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_places()

    def clean(self):
        cleaned = super().clean()
        self.clean_places(cleaned)
        return cleaned


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "placeholder": "ABC-DEF-GHJ-KMN-PQR-STV"}))

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("This is not a valid tracking code. It has 18 letters and digits."))
        return code


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you with the handling?"), choices=Rating.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Your comment"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


# ---------------------------------------------------------------- staff action forms


def unit_choices(demand: Demand, *, category_id=None):
    """Units a dispatcher may pick: grids of the demand's township, departments (those handling its
    category, or `category_id`, first) and the township's deputies."""
    grids = Grid.objects.filter(township_id=demand.township_id) if demand.township_id else Grid.objects.none()
    departments = list(Department.objects.filter(is_active=True))
    # Asked even without a category (and then finds none): the page costs the same queries either way.
    category_id = category_id or demand.category_id
    handling = set(Department.categories.through.objects.filter(category_id=category_id)
                   .values_list("department_id", flat=True))
    if handling:
        departments.sort(key=lambda d: (d.pk not in handling, d.code))
    deputies = Deputy.objects.filter(is_active=True, township_id=demand.township_id)
    return [
        ("", _("Choose a unit")),
        (_("Grids"), [(f"grid:{g.pk}", f"{g.name}（{g.code}）") for g in grids]),
        (_("Departments"), [(f"department:{d.pk}", f"{d.name}{' ★' if d.pk in handling else ''}") for d in departments]),
        (_("Deputies"), [(f"deputy:{d.pk}", str(d)) for d in deputies]),
    ]


def resolve_unit(value: str):
    kind, _sep, pk = (value or "").partition(":")
    model = {"grid": Grid, "department": Department, "deputy": Deputy}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(pk=pk).first()


class UnitField(forms.ChoiceField):
    def clean(self, value):
        value = super().clean(value)
        if not value and not self.required:
            return None
        unit = resolve_unit(value)
        if unit is None:
            raise forms.ValidationError(_("Choose the unit that will handle the demand."))
        return unit


class DemandActionForm(forms.Form):
    def __init__(self, *args, demand: Demand, **kwargs):
        self.demand = demand
        super().__init__(*args, **kwargs)


class ClassifyForm(DemandActionForm):
    type = forms.ChoiceField(label=_("Type"), choices=DemandType.choices)
    category = CategoryField(label=_("Category"), empty_label=_("Choose a category"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), empty_label=_("Choose the grid"))
    note = forms.CharField(label=_("Note (internal)"), max_length=500, required=False)

    def __init__(self, *args, demand, **kwargs):
        super().__init__(*args, demand=demand, **kwargs)
        self.fields["type"].initial = demand.type
        # The resident's choice first; else what the classifier suggested at intake.
        self.fields["category"].initial = demand.category_id or demand.suggested_category_id
        self.fields["urgency"].initial = demand.urgency
        self.fields["grid"].initial = demand.grid_id
        grids = Grid.objects.select_related("township")
        self.fields["grid"].queryset = grids.filter(township_id=demand.township_id) if demand.township_id else grids


class ClassifyDispatchForm(ClassifyForm):
    """受理并派单: what classify asks and the unit, in one form for one step."""

    unit = UnitField(label=_("Unit"))
    note = forms.CharField(label=_("Note to the unit"), max_length=500, required=False)
    field_order = ["type", "category", "urgency", "grid", "unit", "note"]

    def __init__(self, *args, demand, **kwargs):
        super().__init__(*args, demand=demand, **kwargs)
        # Departments handling the category the resident chose, or the one the classifier suggested, come first.
        self.fields["unit"].choices = unit_choices(demand, category_id=demand.category_id or demand.suggested_category_id)


class ReasonForm(DemandActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(DemandActionForm):
    into = forms.CharField(label=_("Number of the demand to merge into"), max_length=40,
                           help_text=_("For example BZ-2026-004213."))

    def clean_into(self):
        # None for a number that names nothing: the service answers it and an out-of-scope one with the same words.
        from .selectors import public_no_q

        q = public_no_q(self.cleaned_data["into"])
        return Demand.objects.filter(q).first() if q is not None else None


class UnitForm(DemandActionForm):
    unit = UnitField(label=_("Unit"))
    note = forms.CharField(label=_("Note to the unit"), max_length=500, required=False)

    def __init__(self, *args, demand, **kwargs):
        super().__init__(*args, demand=demand, **kwargs)
        self.fields["unit"].choices = unit_choices(demand)


class EmptyForm(DemandActionForm):
    pass


class NoteOnlyForm(DemandActionForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RequestExtensionForm(DemandActionForm):
    days = forms.IntegerField(label=_("Extra working days"), min_value=1, max_value=30, initial=3)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressNoteForm(DemandActionForm):
    text = forms.CharField(label=_("Progress note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Show to the resident"), required=False)


class ResolveForm(KeptPhotosMixin, DemandActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect,
                                initial=Outcome.SOLVED)
    reply = forms.CharField(label=_("Reply to the resident"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos of the result"))  # the field marks itself optional


class ReopenForm(DemandActionForm):
    reason = forms.CharField(label=_("What must be handled again"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    unit = UnitField(label=_("Unit (default: the same unit)"), required=False)

    def __init__(self, *args, demand, **kwargs):
        super().__init__(*args, demand=demand, **kwargs)
        self.fields["unit"].choices = unit_choices(demand)


class UrgeForm(DemandActionForm):
    note = forms.CharField(label=_("Supervision note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = SafeDateField(label=_("Due date"), widget=DateInput())


class SupervisionAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer to the supervisors"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
