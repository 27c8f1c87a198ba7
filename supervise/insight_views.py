"""The map of grids and the hotspots page (docs/figures.md#map-of-grids). Thin: a form validates the query, maps/hotspots compute."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page

from demands.models import Category
from grids.models import Township
from core.errors import InvalidInput
from core.fields import DateInput, SafeDateField
from core.pages import attach_errors

from . import maps
from .hotspots import MIN_CURRENT, TERM_SAMPLE, Period, hotspots

DATE_INPUT = DateInput()


def category_choices():
    """Each top-level category (with its sub-categories) and each sub-category, by id."""
    groups: dict[int, tuple[Category, list]] = {}
    for cat in Category.objects.filter(is_active=True).select_related("parent").order_by("sort", "code"):
        if cat.parent_id is None:
            groups.setdefault(cat.pk, (cat, []))
        else:
            groups.setdefault(cat.parent_id, (cat.parent, []))[1].append((str(cat.pk), cat.name))
    ordered = sorted(groups.values(), key=lambda g: (g[0].sort, g[0].code))
    return [("", _("All categories"))] + [
        (top.name, [(str(top.pk), _("%(category)s (all)") % {"category": top.name}), *subs]) for top, subs in ordered]


class PeriodForm(forms.Form):
    """A period of whole days; empty means the last 30 days up to today."""

    start = SafeDateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = SafeDateField(label=_("To"), required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                cleaned["period"] = Period.checked(cleaned.get("start"), cleaned.get("end"))
            except InvalidInput as error:
                attach_errors(self, error)
        return cleaned


class MapForm(PeriodForm):
    category = forms.ChoiceField(label=_("Category"), required=False)
    measure = forms.ChoiceField(
        label=_("Colour by"), required=False, widget=forms.RadioSelect,
        choices=[("open", _("Open demands")), ("received", _("Received in the period")),
                 ("overdue_share", _("Overdue share of open demands"))])

    def __init__(self, data, **kwargs):
        if "measure" not in data:  # the radio buttons show the default as chosen
            data = data.copy()
            data["measure"] = "open"
        super().__init__(data, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean_category(self):
        value = self.cleaned_data.get("category")
        return Category.objects.filter(pk=value).first() if value else None

    def clean_measure(self):
        return self.cleaned_data.get("measure") or "open"


class HotspotsForm(PeriodForm):
    township = forms.ModelChoiceField(label=_("Township"), queryset=Township.objects.all(), required=False,
                                      empty_label=_("All townships"))

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if viewer is not None and not viewer.is_superuser and viewer.township_id is not None:
            self.fields["township"].queryset = Township.objects.filter(pk=viewer.township_id)


MAP_LABELS = {
    "open": _("Open demands"), "received": _("Received in the period"), "overdue": _("Overdue"),
    "overdue_share": _("Overdue share of open demands"), "no_open": _("no open demands"),
    "list_open": _("List the open demands"), "list_received": _("List the demands received in the period"),
    "legend": _("Legend"), "outline": _("Outline colour: township"),
}


def _insight_viewer(request):
    if not maps.can_open_insight(request.user):
        raise Http404


@gzip_page  # the GeoJSON of 372 grids shrinks about eightfold; rural networks are slow
@login_required
def grid_map(request):
    _insight_viewer(request)
    # Bound even without a query: every field is optional and the form fills in the last 30 days.
    form = MapForm(request.GET)
    context = {"form": form, "tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
               "map_labels": MAP_LABELS}
    if not form.is_valid():
        return render(request, "supervise/insight/map.html", context, status=400)
    c = form.cleaned_data
    loads = maps.grid_loads(viewer=request.user, period=c["period"], category=c["category"])
    context.update({
        "period": c["period"],
        "category": c["category"],
        "measure": c["measure"],
        "geojson": maps.geojson(loads, period=c["period"], category=c["category"]),
        "table": maps.top_loads(loads, c["measure"]),
        "grid_count": len(loads),
        "table_limit": maps.TABLE_LIMIT,
        # Over every demand counted, located in a grid or not: the dashboard's and the hotspots' "received".
        "totals": loads.totals,
        "off_map": loads.off_map,
    })
    return render(request, "supervise/insight/map.html", context)


@login_required
def hotspot_list(request):
    _insight_viewer(request)
    form = HotspotsForm(request.GET, viewer=request.user)
    context = {"form": form, "min_current": MIN_CURRENT, "term_cap": TERM_SAMPLE}
    if not form.is_valid():
        return render(request, "supervise/insight/hotspots.html", context, status=400)
    c = form.cleaned_data
    context["figures"] = hotspots(viewer=request.user, period=c["period"], township=c.get("township"))
    return render(request, "supervise/insight/hotspots.html", context)
