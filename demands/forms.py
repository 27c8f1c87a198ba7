"""Forms validate what a person typed; the services decide what it means."""


from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from grids.locate import OUTSIDE_MESSAGE, in_district, parse_coordinate
from grids.models import Community, Grid, MicroGrid, Township
from core.validators import PHONE_RE, PhoneField  # noqa: F401 (forms below use them)
from core.validators import valid_pk
from core.fields import DateInput, SafeDateField

from .codes import normalize_code
from core.models import Department
from .models import Category, Channel, Demand, DemandType, Deputy, Outcome, Rating, Urgency



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



class CoordinateField(forms.Field):
    """A latitude or longitude the browser put in a hidden field (the map's pin, the device's position): whatever
    arrives instead (text, NUL bytes, a megabyte) is one clear message, never a 500."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": _("The point on the map could not be read. Choose it again, or choose the place in the lists."),
    }

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def bound_data(self, data, initial):
        # A refused value is not sent back into the page: it may be a megabyte.
        return data if isinstance(data, str) and parse_coordinate(data, self.limit) is not None else ""

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        number = parse_coordinate(value, self.limit)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class PlaceFieldsMixin:
    """Township → community → grid → micro-grid: each select lists only the children of the choice above it.

    Without JavaScript the resident presses “update” and the page returns with the narrowed lists. With it, a pin
    on the map (or the device's position) fills lat/lng and the selects; a point alone is enough, the intake
    places it (demands.services.demand_receive).
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
        if "micro_grid" in self.fields:
            grid_id = data.get(self.add_prefix("grid")) or self.initial.get("grid")
            self.fields["micro_grid"].queryset = (
                MicroGrid.objects.filter(grid_id=grid_id) if str(grid_id or "").isdigit() else MicroGrid.objects.none())

    def clean_places(self, cleaned):
        township, community, grid = cleaned.get("township"), cleaned.get("community"), cleaned.get("grid")
        lat, lng = cleaned.get("lat"), cleaned.get("lng")
        if self.has_error("lat") or self.has_error("lng"):
            lat = lng = None
        elif (lat is None) != (lng is None):
            self.add_error("lat", self.fields["lat"].error_messages["invalid"])
            lat = lng = None
        elif lat is not None and not in_district(float(lat), float(lng)):
            self.add_error("lat", OUTSIDE_MESSAGE)
            lat = lng = None
        if township is None and lat is None and not self.has_error("township"):
            # Required unless a point stands for the place.
            self.add_error("township", self.fields["township"].error_messages["required"])
        if community and township and community.township_id != township.pk:
            self.add_error("community", _("The village or community does not belong to the chosen township."))
        if grid and community and grid.community_id != community.pk:
            self.add_error("grid", _("The grid does not belong to the chosen village or community."))
        micro_grid = cleaned.get("micro_grid")
        if micro_grid and grid and micro_grid.grid_id != grid.pk:
            self.add_error("micro_grid", _("The micro-grid does not belong to the chosen grid."))


class SubmitForm(KeptPhotosMixin, PlaceFieldsMixin, forms.Form):
    type = forms.ChoiceField(label=_("What kind of demand is it?"), choices=DemandType.choices, widget=forms.RadioSelect,
                             initial=DemandType.HELP)
    category = CategoryField(label=_("Category"), required=False, empty_label=_("Not sure — let the centre decide"))
    content = forms.CharField(label=_("Describe the problem"), max_length=2000, min_length=5,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What happened, where, since when, and what you hope for."))
    # Required unless a point on the map stands for the place (PlaceFieldsMixin.clean_places).
    township = forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.all(),
                                      empty_label=_("Choose a township or street"), required=False)
    community = forms.ModelChoiceField(label=_("Village or community"), queryset=Community.objects.none(),
                                       required=False, empty_label=_("Choose (optional)"))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False,
                                  empty_label=_("Choose (optional)"))
    # Lists the chosen grid's micro-grids only, so any other is refused as not of that grid.
    micro_grid = forms.ModelChoiceField(label=_("Micro-grid"), queryset=MicroGrid.objects.none(), required=False,
                                        empty_label=_("Choose (optional)"), error_messages={
                                            "invalid_choice": _("The micro-grid does not belong to the chosen grid.")})
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    lat = CoordinateField(label=_("Point on the map"), limit=90)
    lng = CoordinateField(label=_("Point on the map"), limit=180)
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


# ---------------------------------------------------------------- staff recording a demand (代录, 巡查上报, 代表网格通)


class RecordForm(PlaceFieldsMixin, forms.Form):
    """What a staff member took down for a resident: by phone or at the counter (dispatcher), on patrol (grid worker,
    whose own grid is the place), or in the field (deputy). The fields follow the account's role."""

    channel = forms.ChoiceField(label=_("How did it come in?"), widget=forms.RadioSelect, required=False)
    type = forms.ChoiceField(label=_("Kind of demand"), choices=DemandType.choices, widget=forms.RadioSelect,
                             initial=DemandType.HELP)
    content = forms.CharField(label=_("What the resident asks for, or what you found"), max_length=2000, min_length=5,
                              widget=forms.Textarea(attrs={"rows": 5}))
    # Required unless a point on the map stands for the place (PlaceFieldsMixin.clean_places).
    township = forms.ModelChoiceField(label=_("Township or street"), queryset=Township.objects.all(),
                                      empty_label=_("Choose a township or street"), required=False)
    community = forms.ModelChoiceField(label=_("Village or community"), queryset=Community.objects.none(),
                                       required=False, empty_label=_("Choose (optional)"))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False,
                                  empty_label=_("Choose (optional)"))
    # Lists the chosen grid's micro-grids only, so any other is refused as not of that grid.
    micro_grid = forms.ModelChoiceField(label=_("Micro-grid"), queryset=MicroGrid.objects.none(), required=False,
                                        empty_label=_("Choose (optional)"), error_messages={
                                            "invalid_choice": _("The micro-grid does not belong to the chosen grid.")})
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    # Filled by the browser's geolocation on a patrol report, or by the map's pin; checked like any number a client
    # sends.
    lat = CoordinateField(label=_("Point on the map"), limit=90)
    lng = CoordinateField(label=_("Point on the map"), limit=180)
    photos = PhotosField(label=_("Photos (up to 3, 5 MB each)"))
    contact_name = forms.CharField(label=_("Resident's name"), max_length=50, required=False)
    contact_phone = PhoneField(label=_("Resident's phone"), max_length=20, required=False,
                               help_text=_("For the reply and the rating; only the staff handling it see it."))
    # A dispatcher's 受理并派单 in the same step.
    dispatch_now = forms.BooleanField(label=_("Classify and dispatch it now"), required=False)
    category = CategoryField(label=_("Category"), required=False, empty_label=_("Choose a category"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, required=False)
    unit = forms.ChoiceField(label=_("Handling unit"), required=False)
    # A grid worker's 就地办结.
    on_the_spot = forms.BooleanField(label=_("Solved on the spot"), required=False)
    reply = forms.CharField(label=_("What was done (the resident reads it)"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    ON_THE_GRID = "grid"

    def __init__(self, *args, user, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.role, self.default_channel = user.role, channels[0]
        self.fields["channel"].choices = [(c, Channel(c).label) for c in channels]
        self.fields["channel"].initial = channels[0]
        if len(channels) == 1:
            self.fields["channel"].widget = forms.HiddenInput()
        if self.role in (Role.GRID_WORKER, Role.MICRO_GRID_LEADER):
            for name in ("township", "community", "grid", "dispatch_now", "unit"):
                del self.fields[name]
            self.fields["content"].label = _("What you found on patrol")
            if self.role == Role.GRID_WORKER:
                # The patrol is in their own grid; the micro-grid within it is theirs to say.
                self.fields["micro_grid"].queryset = MicroGrid.objects.filter(grid_id=user.grid_id)
            else:
                # 微网格员: always their own micro-grid; they hand everything up (no 就地办结, docs/lifecycles.md#intake-and-routing).
                for name in ("micro_grid", "on_the_spot", "reply", "category", "urgency"):
                    del self.fields[name]
        else:
            for name in ("on_the_spot", "reply"):
                del self.fields[name]
            if self.role != Role.DISPATCHER:
                for name in ("dispatch_now", "category", "urgency", "unit"):
                    del self.fields[name]
            else:
                self.fields["unit"].choices = [("", _("Choose the unit")), (self.ON_THE_GRID, _("The grid chosen above"))] + [
                    (str(d.pk), str(d)) for d in Department.objects.filter(is_active=True).order_by("name")]
            self.setup_places()

    def clean(self):
        cleaned = super().clean()
        cleaned["channel"] = cleaned.get("channel") or self.default_channel
        if "township" in self.fields:
            self.clean_places(cleaned)
        if cleaned.get("dispatch_now"):
            if not cleaned.get("category"):
                self.add_error("category", _("Choose a category."))
            if not cleaned.get("unit"):
                self.add_error("unit", _("Choose the unit that will handle the demand."))
            if not cleaned.get("grid"):
                self.add_error("grid", _("Choose the grid where the demand is located."))
        if cleaned.get("on_the_spot"):
            if not cleaned.get("category"):
                self.add_error("category", _("Choose a category."))
            if not (cleaned.get("reply") or "").strip():
                self.add_error("reply", _("Write the reply the resident will read."))
        return cleaned

    def chosen_unit(self):
        value = self.cleaned_data.get("unit")
        if value == self.ON_THE_GRID:
            return self.cleaned_data.get("grid")
        return Department.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None


class WithdrawForm(forms.Form):
    """撤回: the resident may say why; nothing else is asked."""

    reason = forms.CharField(label=_("Why do you withdraw it? (optional)"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SupplementForm(forms.Form):
    """补充材料: what the resident adds to their open demand."""

    text = forms.CharField(label=_("What do you want to add?"), max_length=1000, min_length=2,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("The unit handling your demand is told and reads it on the timeline."))
    photos = PhotosField(label=_("Photos (up to 3, 5 MB each)"))


# ---------------------------------------------------------------- joint handling (主办/协办)


class DepartmentChoiceField(forms.ModelChoiceField):
    """A department by id; what cannot be an id (a list, NUL, a number too large for the database) is an invalid
    choice, not a database error."""

    def to_python(self, value):
        if value not in self.empty_values and (isinstance(value, bool) or not valid_pk(value)):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class AddCohandlerForm(DemandActionForm):
    department = DepartmentChoiceField(label=_("Co-handling department"), queryset=Department.objects.none(),
                                        empty_label=_("Choose a department"))
    due_date = SafeDateField(label=_("Opinion due by"), widget=DateInput(), required=False,
                             help_text=_("Leave empty for halfway to the lead unit's deadline."))
    note = forms.CharField(label=_("What the lead unit needs from it"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, demand, **kwargs):
        super().__init__(*args, demand=demand, **kwargs)
        # Neither the lead nor a department already asked (the service says so, should one be posted anyway).
        from .permissions import cohandling_states

        taken = {demand.unit_department_id, *cohandling_states(demand)} - {None}
        self.fields["department"].queryset = Department.objects.filter(is_active=True).exclude(pk__in=taken)


class CohandlerOpinionForm(DemandActionForm):
    text = forms.CharField(label=_("Your department's opinion"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Internal: the lead unit, the dispatchers and the supervisors read it."))


class RemoveCohandlerForm(DemandActionForm):
    department = DepartmentChoiceField(label=_("Co-handling department"), queryset=Department.objects.none(),
                                        empty_label=_("Choose a department"))
    note = forms.CharField(label=_("Note (internal)"), max_length=500, required=False)

    def __init__(self, *args, demand, **kwargs):
        super().__init__(*args, demand=demand, **kwargs)
        from .models import CoHandling

        pending = CoHandling.objects.filter(demand_id=demand.pk, state=CoHandling.State.PENDING)
        self.fields["department"].queryset = Department.objects.filter(pk__in=pending.values("department_id"))
