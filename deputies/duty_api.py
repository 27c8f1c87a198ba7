"""REST API for the duty archive, reception days and participation (docs/lifecycles.md#duty-archive). The services act."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    NOT_BLANK, QuerySerializer, SafeSlugRelatedField, StrictCharField, StrictChoiceField, StrictIntegerField,
)
from core.errors import NotPermitted

from . import permissions, selectors, services
from .models import Deputy, DutyRecord, Reception, Station


class DutyRecordSerializer(serializers.ModelSerializer):
    deputy = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by_system = serializers.SerializerMethodField()

    class Meta:
        model = DutyRecord
        fields = ["id", "deputy", "kind", "occurred_on", "title", "detail", "recorded_by_system", "created_at"]

    def get_recorded_by_system(self, record) -> bool:
        return bool(record.source)


class DutyRecordCreateSerializer(serializers.Serializer):
    deputy = SafeSlugRelatedField(slug_field="code", queryset=Deputy.objects.all(), required=False,
                                  help_text="Supervisors name the deputy; a deputy writes their own archive.")
    kind = StrictChoiceField(choices=[(k, DutyRecord.Kind(k).label) for k in services.MANUAL_KINDS])
    occurred_on = serializers.DateField()
    title = StrictCharField(max_length=200, validators=[NOT_BLANK])
    detail = StrictCharField(required=False, allow_blank=True, default="", max_length=5000)


class DutyRecordFilter(django_filters.FilterSet):
    deputy = django_filters.CharFilter(field_name="deputy__code")
    kind = django_filters.ChoiceFilter(choices=DutyRecord.Kind.choices)
    since = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = DutyRecord
        fields = []


class DutyRecordListCreateApi(generics.ListCreateAPIView):
    """A deputy's own archive, or every archive the supervision office oversees; add meetings and inspections."""

    serializer_class = DutyRecordSerializer
    filterset_class = DutyRecordFilter

    def get_queryset(self):
        return selectors.duty_records_visible_to(self.request.user).select_related("deputy")

    @extend_schema(request=DutyRecordCreateSerializer, responses={201: DutyRecordSerializer})
    def post(self, request, *args, **kwargs):
        payload = DutyRecordCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        c = payload.validated_data
        record = services.duty_record_write(actor=request.user, deputy=c.get("deputy"), kind=c["kind"],
                                            title=c["title"], occurred_on=c["occurred_on"], detail=c["detail"])
        return Response(DutyRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class ReceptionSerializer(serializers.ModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deputies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    demands = serializers.SlugRelatedField(slug_field="public_no", many=True, read_only=True)

    class Meta:
        model = Reception
        fields = ["id", "station", "held_on", "deputies", "visitor_count", "visitors", "topics", "demands",
                  "created_at"]


class ReceptionCreateSerializer(serializers.Serializer):
    station = SafeSlugRelatedField(slug_field="code", queryset=Station.objects.filter(is_active=True))
    held_on = serializers.DateField()
    deputies = SafeSlugRelatedField(slug_field="code", queryset=Deputy.objects.filter(is_active=True), many=True)
    visitor_count = StrictIntegerField(min_value=0, max_value=10000, default=0)
    visitors = StrictCharField(required=False, allow_blank=True, default="", max_length=2000)
    topics = StrictCharField(max_length=5000, validators=[NOT_BLANK])
    demand_numbers = serializers.ListField(child=StrictCharField(max_length=40), required=False, default=list,
                                           max_length=50, help_text="public numbers (BZ-2026-004213)")


class ReceptionListCreateApi(generics.ListCreateAPIView):
    """Reception days at the stations you belong to (deputies) or oversee (supervisors)."""

    serializer_class = ReceptionSerializer

    def get_queryset(self):
        return selectors.receptions_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=ReceptionCreateSerializer, responses={201: ReceptionSerializer})
    def post(self, request, *args, **kwargs):
        payload = ReceptionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        c = payload.validated_data
        reception = services.reception_record(actor=request.user, **c)
        return Response(ReceptionSerializer(reception).data, status=status.HTTP_201_CREATED)


class ParticipationQuery(QuerySerializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    level = serializers.ChoiceField(choices=Deputy.Level.choices, required=False)

    def validate(self, attrs):
        end = attrs.get("end") or timezone.localdate()
        start = attrs.get("start") or end.replace(month=1, day=1)
        if start > end:
            raise serializers.ValidationError({"start": _("The start of the period must not be after its end.")})
        return {**attrs, "start": start, "end": end}


_rate = inline_serializer("ParticipationRow", {
    "label": serializers.CharField(), "deputies": serializers.IntegerField(),
    "participating": serializers.IntegerField(), "rate": serializers.FloatField(allow_null=True)})


class ParticipationApi(APIView):
    """履职参与率: active deputies with at least one duty record in the period / active deputies."""

    @extend_schema(parameters=[ParticipationQuery], responses={200: inline_serializer("Participation", {
        "start": serializers.DateField(), "end": serializers.DateField(), "total": _rate,
        "townships": _rate.__class__(many=True)})})
    def get(self, request):
        if not permissions.can_read_participation(request.user):
            raise NotPermitted()
        query = ParticipationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        c = query.validated_data
        from grids.models import Township

        township = Township.objects.filter(pk=c["township"]).first() if c.get("township") else None
        figures = selectors.participation(start=c["start"], end=c["end"], viewer=request.user, township=township,
                                          level=c.get("level", ""))

        def row(p):
            return {"label": p.label, "deputies": p.deputies, "participating": p.participating, "rate": p.rate}

        return Response({"start": c["start"], "end": c["end"], "total": row(figures["total"]),
                         "townships": [row(p) for p in figures["townships"]]})
