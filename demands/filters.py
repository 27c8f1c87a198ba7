"""Workbench filters (django-filter): status, type, category, township, grid, unit and text search."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from grids.models import Township

from .forms import category_choices
from .models import Demand, DemandType, Department
from .states import HANDLING_STATES, Status


def _unit_choices():
    departments = [(f"department:{d.pk}", d.name) for d in Department.objects.filter(is_active=True)]
    deputies = [(f"deputy:{d.pk}", str(d)) for d in Deputy.objects.filter(is_active=True).select_related("township")]
    return [(_("Departments"), departments), (_("Deputies"), deputies)]


def overdue_q() -> Q:
    """Held by a unit past the resolve deadline; Demand.is_overdue is the same rule for one row."""
    return Q(status__in=list(HANDLING_STATES), resolve_deadline__lt=timezone.now())


class DemandFilterMethods:
    """Filter rules shared by the workbench page and the API, so both narrow lists the same way."""

    def by_category(self, queryset, name, value):
        if not value:
            return queryset
        if str(value).isdigit():
            return queryset.filter(Q(category_id=value) | Q(category__parent_id=value))
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))

    def by_grid(self, queryset, name, value):
        value = (value or "").strip().upper()
        return queryset.filter(Q(grid__code=value) | Q(unit_grid__code=value)) if value else queryset

    def by_unit(self, queryset, name, value):
        kind, _sep, pk = (value or "").partition(":")
        field = {"department": "unit_department_id", "deputy": "unit_deputy_id", "grid": "unit_grid_id"}.get(kind)
        return queryset.filter(**{field: pk}) if field and pk.isdigit() else queryset.none()

    def by_escalation(self, queryset, name, value):
        return queryset.filter(escalation_level__gte=int(value), status__in=list(HANDLING_STATES)) if value else queryset

    def by_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())


class WorkbenchFilter(DemandFilterMethods, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=_("All statuses"))
    type = django_filters.ChoiceFilter(label=_("Type"), choices=DemandType.choices, empty_label=_("All types"))
    category = django_filters.ChoiceFilter(label=_("Category"), method="by_category", choices=[],
                                           empty_label=_("All categories"))
    township = django_filters.ModelChoiceFilter(label=_("Township"), queryset=Township.objects.all(),
                                                empty_label=_("All townships"))
    grid = django_filters.CharFilter(label=_("Grid code"), method="by_grid")
    unit = django_filters.ChoiceFilter(label=_("Unit"), method="by_unit", choices=[], empty_label=_("All units"))
    escalation = django_filters.ChoiceFilter(
        label=_("Escalation"), method="by_escalation", empty_label=_("Any"),
        choices=[("1", _("warning or worse")), ("2", _("overdue or worse")), ("3", _("supervised"))])

    class Meta:
        model = Demand
        fields = ["q", "status", "type", "category", "township", "grid", "unit", "escalation"]

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.filters["category"].extra["choices"] = category_choices(_("All categories"))[1:]
        self.filters["unit"].extra["choices"] = _unit_choices()
        if viewer is not None and getattr(viewer, "township_id", None):
            self.filters["township"].queryset = Township.objects.filter(pk=viewer.township_id)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(content__icontains=value) | Q(address__icontains=value)
                               | Q(tracking_code__icontains=value.upper()) | Q(reply__icontains=value))
