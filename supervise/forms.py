"""The dashboard's filter form: period, place (down to a micro-grid), department, category, channel and type, within the
viewer's scope."""


from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Department

from demands.models import Category, Channel, DemandType
from grids.models import Grid, MicroGrid, Township
from core.fields import SafeDateField

from .figures import BREAKDOWN_KEYS, GRANULARITIES
from .selectors import DashboardFilters

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_PERIOD_DAYS = 3 * 366  # a longer period would only make a slower page with nothing more to read
MAX_DAY_BUCKETS = 92


def category_options():
    """Top levels ("all of X") and their sub-categories, as the workbench filter offers them."""
    options = [("", _("All categories"))]
    cats = list(Category.objects.filter(is_active=True).select_related("parent").order_by("sort", "code"))
    for top in (c for c in cats if c.parent_id is None):
        options.append((str(top.pk), _("%(category)s (all)") % {"category": top.name}))
        options.extend((str(c.pk), f"— {c.name}") for c in cats if c.parent_id == top.pk)
    return options


class DashboardForm(forms.Form):
    date_from = SafeDateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = SafeDateField(label=_("To"), required=False, widget=DATE_INPUT)
    township = forms.ModelChoiceField(label=_("Township"), queryset=Township.objects.all(), required=False,
                                      empty_label=_("All townships"))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.all(), to_field_name="code",
                                  required=False, empty_label=_("All grids"))
    # A code, not a list: the district has thousands of micro-grids.
    micro_grid = forms.CharField(label=_("Micro-grid code"), required=False, max_length=24)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all(), required=False,
                                        empty_label=_("All departments"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All channels")), *Channel.choices])
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *DemandType.choices])
    granularity = forms.ChoiceField(label=_("Trend by"), required=False, choices=[
        ("", _("automatic")), ("day", _("day")), ("week", _("week")), ("month", _("month"))])
    by = forms.ChoiceField(label=_("Breakdown by"), required=False, choices=[
        ("township", _("township")), ("department", _("department")), ("category", _("category")),
        ("channel", _("channel")), ("grid", _("grid"))])

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["category"].choices = category_options()
        if getattr(viewer, "township_id", None):
            self.fields["township"].queryset = Township.objects.filter(pk=viewer.township_id)
            self.fields["grid"].queryset = Grid.objects.filter(township_id=viewer.township_id)
        self.fields["grid"].label_from_instance = lambda g: f"{g.name} ({g.code})"

    def clean_micro_grid(self):
        code = (self.cleaned_data.get("micro_grid") or "").strip().upper()
        if not code:
            return None
        micro_grids = MicroGrid.objects.select_related("grid")
        if getattr(self.viewer, "township_id", None):
            micro_grids = micro_grids.filter(grid__township_id=self.viewer.township_id)
        found = micro_grids.filter(code=code).first() if "\x00" not in code else None
        if found is None:
            raise forms.ValidationError(_("No micro-grid in your area has this code."))
        return found

    def clean_category(self):
        value = self.cleaned_data.get("category")
        return Category.objects.filter(pk=value).first() if value else None

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to.replace(month=1, day=1)
        if date_from > date_to:
            self.add_error("date_from", _("The start of the period must not be after its end."))
        elif (date_to - date_from).days > MAX_PERIOD_DAYS:
            self.add_error("date_from", _("Choose a period of at most three years."))
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def filters(self) -> DashboardFilters:
        """The filters asked for; call after is_valid(). Invalid input falls back to the defaults."""
        c = self.cleaned_data if self.is_bound and not self.errors else {}
        default = DashboardFilters.default()
        return DashboardFilters(
            date_from=c.get("date_from") or default.date_from, date_to=c.get("date_to") or default.date_to,
            township=c.get("township"), grid=c.get("grid"), department=c.get("department"),
            category=c.get("category"), channel=c.get("channel") or "", type=c.get("type") or "",
            micro_grid=c.get("micro_grid"),
        )

    def trend_granularity(self, filters: DashboardFilters) -> str:
        from .figures import auto_granularity

        value = self.cleaned_data.get("granularity") if self.is_bound and not self.errors else ""
        if value == "day" and (filters.date_to - filters.date_from).days > MAX_DAY_BUCKETS:
            value = "week"  # hundreds of daily points would make an unreadable chart and a needlessly big answer
        return value if value in GRANULARITIES else auto_granularity(filters.date_from, filters.date_to)

    def breakdown_key(self) -> str:
        value = self.cleaned_data.get("by") if self.is_bound and not self.errors else ""
        if value in BREAKDOWN_KEYS:
            return value
        # A township's own dashboard breaks down by its grids; the district's by township.
        return "grid" if getattr(self.viewer, "township_id", None) else "township"
