"""GET /api/v1/dashboard/: everything the dashboard page shows, for the same filters and the same viewers."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from core.api import QuerySerializer

from demands.models import Channel, DemandType
from core.validators import MAX_PK
from core.errors import InvalidInput, NotFound

from .figures import BREAKDOWN_KEYS, GRANULARITIES
from .forms import DashboardForm
from .selectors import COUNT_LINKS, MEANS, RATES, dashboard_report, may_view_dashboard


class DashboardQuerySerializer(QuerySerializer):
    date_from = serializers.DateField(required=False, help_text="first day received (default: 1 January)")
    date_to = serializers.DateField(required=False, help_text="last day received (default: today)")
    township = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PK, help_text="township id")
    grid = serializers.CharField(required=False, max_length=20, help_text="code of the grid the demand is located in")
    micro_grid = serializers.CharField(required=False, max_length=24,
                                       help_text="code of the micro-grid the demand is located in")
    department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PK,
                                          help_text="id of the department holding the demand")
    category = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PK,
                                        help_text="category id; a top level includes its sub-categories")
    channel = serializers.ChoiceField(required=False, choices=Channel.choices)
    type = serializers.ChoiceField(required=False, choices=DemandType.choices,
                                   help_text="demand type (consultation: the 24-hour answer rate's demands)")
    granularity = serializers.ChoiceField(required=False, choices=sorted(GRANULARITIES),
                                          help_text="trend buckets (default: chosen by the period's length)")
    by = serializers.ChoiceField(required=False, choices=sorted(BREAKDOWN_KEYS),
                                 help_text="breakdown (default: township; grid for a township's viewers)")


class DashboardCountSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    link = serializers.CharField(required=False, help_text="the workbench list of exactly these demands")


class DashboardRateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="null when the denominator is zero")
    display = serializers.CharField(help_text="a percentage, or “—” when the denominator is zero")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    numerator_link = serializers.CharField(required=False)
    denominator_link = serializers.CharField(required=False)


class DashboardDurationSerializer(serializers.Serializer):
    hours = serializers.FloatField(allow_null=True)
    display = serializers.CharField()


class DashboardFiguresSerializer(serializers.Serializer):
    """Every count, rate and mean the dashboard shows (docs/figures.md#demand-figures)."""

    # Fields built from the figure registry (supervise/registry.py), so a new figure needs no change here.

    def get_fields(self):
        fields = super().get_fields()
        fields.update({name: DashboardCountSerializer() for name in COUNT_LINKS})
        fields.update({name: DashboardRateSerializer() for name in RATES})
        fields.update({name: DashboardDurationSerializer() for name in MEANS})
        return fields


class DashboardBreakdownRowSerializer(DashboardFiguresSerializer):
    key = serializers.JSONField(help_text="township, department, category or grid id, or channel code; null: not "
                                          "set. By department: \"grid\" or \"deputy\" for the demands a grid or a "
                                          "deputy holds, null for those not dispatched (waiting, rejected, merged)")
    label = serializers.CharField()


class DashboardBreakdownSerializer(serializers.Serializer):
    by = serializers.CharField()
    rows = DashboardBreakdownRowSerializer(many=True)


class DashboardTrendRowSerializer(serializers.Serializer):
    bucket = serializers.DateField(help_text="first day of the day, ISO week or month")
    label = serializers.CharField()
    received = DashboardCountSerializer()
    closed = DashboardCountSerializer()
    solved = DashboardCountSerializer()


class DashboardOldestSerializer(serializers.Serializer):
    public_no = serializers.CharField()
    url = serializers.CharField()
    unit = serializers.CharField()
    township = serializers.CharField()
    resolve_deadline = serializers.DateTimeField(allow_null=True)
    deadline_display = serializers.CharField()


class DashboardLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    label = serializers.CharField()
    value = serializers.IntegerField()
    link = serializers.CharField()
    oldest = DashboardOldestSerializer(many=True)


class DashboardBoardSerializer(serializers.Serializer):
    overdue = DashboardCountSerializer()
    levels = DashboardLevelSerializer(many=True)


class DashboardPeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    granularity = serializers.CharField()
    by = serializers.CharField()


class DashboardDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()


class DashboardSerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    definitions = DashboardDefinitionSerializer(many=True)
    figures = DashboardFiguresSerializer()
    trend = DashboardTrendRowSerializer(many=True)
    breakdown = DashboardBreakdownSerializer()
    board = DashboardBoardSerializer()


class DashboardApi(APIView):
    """The dashboard's figures (docs/figures.md#demand-figures) for demands received in the period, within what the caller may see:
    headline figures with their definitions, the trend, one breakdown, and the overdue board (open demands now,
    whatever the period). Every count carries the link of the workbench list it counts. Dispatchers, supervisors
    and superusers only; anyone else gets 404."""

    @extend_schema(parameters=[DashboardQuerySerializer], responses={200: DashboardSerializer})
    def get(self, request):
        if not may_view_dashboard(request.user):
            raise NotFound()
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        form = DashboardForm({k: v for k, v in query.validated_data.items()}, viewer=request.user)
        if not form.is_valid():
            raise InvalidInput(field_errors={k: [str(m) for m in v] for k, v in form.errors.items()})
        filters = form.filters()
        report = dashboard_report(request.user, filters, granularity=form.trend_granularity(filters),
                                  by=form.breakdown_key())
        return Response(report)
