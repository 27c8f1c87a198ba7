"""Workbench filters (django-filter): status, type, category, township, grid, micro-grid, unit and text search."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from grids.models import Grid, MicroGrid, Township
from core.fields import DateInput

from .forms import category_choices
from .selectors import public_no_q, valid_pk
from core.models import Department
from .models import Category, Channel, Demand, DemandType, Deputy, Outcome, Rating
from .states import HANDLING_STATES, OPEN_STATES, Status


def _unit_choices(township_id=None):
    departments = [(f"department:{d.pk}", d.name) for d in Department.objects.filter(is_active=True)]
    deputies = Deputy.objects.filter(is_active=True).select_related("township")
    if township_id:
        deputies = deputies.filter(township_id=township_id)  # a township's staff work with its own deputies
    return [(_("Departments"), departments), (_("Deputies"), [(f"deputy:{d.pk}", str(d)) for d in deputies])]


# Filters a role has no use for, left off its form (a grid worker or deputy holds one unit in one place; a handler is
# their department). A link that sets one still narrows the list, and then shows it.
HIDDEN_FOR_ROLE = {
    Role.GRID_WORKER: {"township", "grid", "unit"},
    Role.MICRO_GRID_LEADER: {"township", "grid", "micro_grid", "unit"},
    Role.DEPUTY: {"township", "grid", "unit"},
    Role.HANDLER: {"unit"},
}


DATE_INPUT = DateInput()


def _category_filter_choices():
    """Sub-categories under their top level, each group led by the whole top level (figures per top level link here)."""
    groups = category_choices(_("All categories"))[1:]
    tops = {c.name: c.pk for c in Category.objects.filter(is_active=True, parent__isnull=True)}
    return [(name, [(str(tops[name]), _("%(category)s (all)") % {"category": name}), *subs]) if name in tops
            else (name, subs) for name, subs in groups]


def overdue_q() -> Q:
    """Held by a unit past the resolve deadline; Demand.is_overdue is the same rule for one row."""
    return Q(status__in=list(HANDLING_STATES), resolve_deadline__lt=timezone.now())


class DemandFilterMethods:
    """Filter rules shared by the workbench page and the API, so both narrow lists the same way."""

    # Categories and grids are looked up first and the demands filtered by their ids: PostgreSQL then estimates the
    # share of demands from its statistics of those columns, where joins to the small tables left it guessing.
    def by_category(self, queryset, name, value):
        if not value:
            return queryset
        if str(value).isdigit():
            match = Q(pk=value) | Q(parent_id=value) if valid_pk(value) else Q(pk__in=[])
        else:
            match = Q(code=value) | Q(parent__code=value)
        return queryset.filter(category_id__in=list(Category.objects.filter(match).values_list("pk", flat=True)))

    def by_grid(self, queryset, name, value):
        value = (value or "").strip().upper()
        if not value:
            return queryset
        grids = list(Grid.objects.filter(code=value).values_list("pk", flat=True))
        return queryset.filter(Q(grid_id__in=grids) | Q(unit_grid_id__in=grids))

    def by_micro_grid(self, queryset, name, value):
        # Located in the micro-grid: a micro-grid holds no demands, so there is no unit to match as for a grid.
        value = (value or "").strip().upper()
        if not value:
            return queryset
        return queryset.filter(micro_grid_id__in=list(MicroGrid.objects.filter(code=value).values_list("pk", flat=True)))

    def by_unit(self, queryset, name, value):
        kind, _sep, pk = (value or "").partition(":")
        field = {"department": "unit_department_id", "deputy": "unit_deputy_id", "grid": "unit_grid_id"}.get(kind)
        return queryset.filter(**{field: pk}) if field and pk.isdigit() else queryset.none()

    def by_escalation(self, queryset, name, value):
        return queryset.filter(escalation_level__gte=int(value), status__in=list(HANDLING_STATES)) if value else queryset

    def by_open(self, queryset, name, value):
        if value in ("", None):
            return queryset
        open_q = Q(status__in=list(OPEN_STATES))
        return queryset.filter(open_q) if value == "1" else queryset.exclude(open_q)

    def by_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    # The dashboard's figures (supervise.figures) link to the list they count with these.
    def by_located_in(self, queryset, name, value):
        value = (value or "").strip().upper()
        return queryset.filter(grid__code=value) if value else queryset

    def by_rating(self, queryset, name, value):
        if value == "rated":
            return queryset.exclude(rating="")
        if value == "positive":
            return queryset.filter(rating__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED])
        return queryset.filter(rating=value) if value else queryset

    def by_resolved(self, queryset, name, value):
        if value == "on_time":
            return queryset.filter(resolved_at__isnull=False, resolve_deadline__isnull=False,
                                   resolved_at__lte=F("resolve_deadline"))
        return queryset.filter(resolved_at__isnull=False) if value == "yes" else queryset

    def by_reworked(self, queryset, name, value):
        return queryset.filter(rework_count__gt=0) if value else queryset

    def by_solved_locally(self, queryset, name, value):
        return queryset.filter(resolved_by_grid=True, unit_department__isnull=True) if value else queryset

    def by_answered_in_24h(self, queryset, name, value):
        return queryset.filter(answered_in_24h=True) if value else queryset

    def by_callback(self, queryset, name, value):
        return queryset.filter(**{f"callback_{value}": True}) if value in CALLBACK_FLAGS else queryset

    def by_level(self, queryset, name, value):
        return queryset.filter(escalation_level=int(value), status__in=list(HANDLING_STATES)) if value else queryset


# The call-back flags the revisits app keeps on the demand (Demand.callback_*), as the dashboard's call-back figures
# count them.
CALLBACK_FLAGS = ("due", "reached", "compared", "agrees")

LINK_ONLY = ["channel", "outcome", "rating", "resolved", "reworked", "solved_locally", "answered_in_24h", "callback",
             "level", "located_in", "overdue"]


class WorkbenchFilter(DemandFilterMethods, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=_("All statuses"))
    type = django_filters.ChoiceFilter(label=_("Type"), choices=DemandType.choices, empty_label=_("All types"))
    category = django_filters.ChoiceFilter(label=_("Category"), method="by_category", choices=[],
                                           empty_label=_("All categories"))
    township = django_filters.ModelChoiceFilter(label=_("Township"), queryset=Township.objects.all(),
                                                empty_label=_("All townships"))
    grid = django_filters.CharFilter(label=_("Grid code"), method="by_grid")
    micro_grid = django_filters.CharFilter(label=_("Micro-grid code"), method="by_micro_grid")
    unit = django_filters.ChoiceFilter(label=_("Unit"), method="by_unit", choices=[], empty_label=_("All units"))
    escalation = django_filters.ChoiceFilter(
        label=_("Escalation"), method="by_escalation", empty_label=_("Any"),
        choices=[("1", _("warning or worse")), ("2", _("overdue or worse")), ("3", _("supervised"))])
    # Received in a period and open/finished: the map and hotspot figures link here with these.
    open = django_filters.ChoiceFilter(
        label=_("Open or finished"), method="by_open", empty_label=_("Any"),
        choices=[("1", _("still open")), ("0", _("finished (closed, rejected, merged or withdrawn)"))])
    created_from = django_filters.DateFilter(label=_("Received from"), field_name="created_at",
                                             lookup_expr="date__gte", widget=DATE_INPUT)
    created_to = django_filters.DateFilter(label=_("Received until"), field_name="created_at",
                                           lookup_expr="date__lte", widget=DATE_INPUT)
    # Shown only when a link sets them (the dashboard's figures), so the list says what it is narrowed to.
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("Any"))
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=Outcome.choices, empty_label=_("Any"))
    rating = django_filters.ChoiceFilter(
        label=_("Rating"), method="by_rating", empty_label=_("Any"),
        choices=[("rated", _("rated")), ("positive", _("satisfied or basically satisfied")), *Rating.choices])
    resolved = django_filters.ChoiceFilter(
        label=_("Result reported"), method="by_resolved", empty_label=_("Any"),
        choices=[("yes", _("result reported")), ("on_time", _("result reported on time"))])
    reworked = django_filters.ChoiceFilter(label=_("Re-handled"), method="by_reworked", empty_label=_("Any"),
                                           choices=[("1", _("re-handled at least once"))])
    solved_locally = django_filters.ChoiceFilter(
        label=_("Handled by"), method="by_solved_locally", empty_label=_("Any"),
        choices=[("1", _("a grid worker without a department"))])
    answered_in_24h = django_filters.ChoiceFilter(
        label=_("Answered"), method="by_answered_in_24h", empty_label=_("Any"),
        choices=[("1", _("within 24 hours of receipt"))])
    callback = django_filters.ChoiceFilter(
        label=_("Call-back"), method="by_callback", empty_label=_("Any"),
        choices=[("due", _("has a call-back due")), ("reached", _("a call-back reached the resident")),
                 ("compared", _("rated, with a call-back in the same round")),
                 ("agrees", _("call-back agrees with the rating"))])
    level = django_filters.ChoiceFilter(
        label=_("Escalation level"), method="by_level", empty_label=_("Any"),
        choices=[("1", _("warning")), ("2", _("overdue")), ("3", _("supervised"))])
    located_in = django_filters.CharFilter(label=_("Located in grid"), method="by_located_in")
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), method="by_overdue", empty_label=_("Any"),
                                          choices=[("1", _("overdue now"))])

    class Meta:
        model = Demand
        fields = ["q", "status", "type", "category", "township", "grid", "micro_grid", "unit", "escalation", "open",
                  "created_from", "created_to", *LINK_ONLY]

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        role = getattr(viewer, "role", None)
        township_id = getattr(viewer, "township_id", None)
        hidden = set(LINK_ONLY) | HIDDEN_FOR_ROLE.get(role, set())
        for name in hidden:
            if not self.data.get(name):
                del self.filters[name]
        self.filters["category"].extra["choices"] = _category_filter_choices()
        if "unit" in self.filters:
            self.filters["unit"].extra["choices"] = _unit_choices(township_id)
        if "township" in self.filters:
            if role == Role.HANDLER:
                # A department works across the district: only the townships its demands come from.
                from .selectors import demands_visible_to

                self.filters["township"].queryset = Township.objects.filter(
                    pk__in=demands_visible_to(viewer).values("township_id"))
            elif township_id:
                self.filters["township"].queryset = Township.objects.filter(pk=township_id)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(content__icontains=value) | Q(address__icontains=value)
                               | (public_no_q(value) or Q(pk__in=[])) | Q(reply__icontains=value))


def workbench_filterset(request) -> tuple[WorkbenchFilter, bool]:
    """The workbench list a request asks for (tab and filters), shared by the page and its exports."""
    from .selectors import demand_list

    waiting_only = request.GET.get("tab", "waiting") != "all"
    base = demand_list(viewer=request.user, waiting_only=waiting_only)
    return WorkbenchFilter(request.GET or None, queryset=base, viewer=request.user), waiting_only
