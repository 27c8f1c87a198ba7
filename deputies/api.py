"""Public read-only API of deputies and liaison stations: who they are, where and when they receive, their codes."""

import django_filters
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers

from core.api import CodePagination

from . import qr
from .models import Deputy, Station
from .public import public_deputies, public_stations
from .schedule import next_reception_dates, schedule_text


def _absolute(name: str, *args) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name, args=args)


class _CodeFilterMixin:
    def by_township(self, queryset, name, value):
        # A NUL byte can name no township (and PostgreSQL would refuse to compare it).
        return queryset.none() if "\x00" in value else queryset.filter(township__code=value)


class DeputyFilter(_CodeFilterMixin, django_filters.FilterSet):
    township = django_filters.CharFilter(method="by_township", label=_("township code"))
    level = django_filters.ChoiceFilter(choices=Deputy.Level.choices, label=_("level"))

    class Meta:
        model = Deputy
        fields = ["township", "level"]


class StationFilter(_CodeFilterMixin, django_filters.FilterSet):
    township = django_filters.CharFilter(method="by_township", label=_("township code"))
    kind = django_filters.ChoiceFilter(choices=Station.Kind.choices, label=_("kind"))

    class Meta:
        model = Station
        fields = ["township", "kind"]


class PublicDeputySerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    stations = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True,
                                            help_text="Codes of the active stations the deputy receives at.")
    landing_url = serializers.SerializerMethodField(help_text="The page the deputy's QR code opens.")
    qr_url = serializers.SerializerMethodField(help_text="The QR code as SVG (append .png instead for PNG).")
    qr_png_url = serializers.SerializerMethodField()

    class Meta:
        model = Deputy
        fields = ["code", "name", "level", "level_label", "township", "township_name", "constituency", "occupation",
                  "stations", "landing_url", "qr_url", "qr_png_url"]
        read_only_fields = fields

    def get_landing_url(self, deputy) -> str:
        return qr.deputy_url(deputy)

    def get_qr_url(self, deputy) -> str:
        return _absolute("deputies_public:deputy_qr", deputy.code, "svg")

    def get_qr_png_url(self, deputy) -> str:
        return _absolute("deputies_public:deputy_qr", deputy.code, "png")


class PublicStationSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    community = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    schedule = serializers.SerializerMethodField(help_text="The reception schedule in words, e.g. 每周四.")
    next_reception_dates = serializers.SerializerMethodField()
    convener = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    members = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True,
                                           help_text="Codes of the active member deputies.")
    landing_url = serializers.SerializerMethodField(help_text="The page the station's QR code opens.")
    qr_url = serializers.SerializerMethodField(help_text="The QR code as SVG.")
    qr_png_url = serializers.SerializerMethodField()

    class Meta:
        model = Station
        fields = ["code", "name", "kind", "kind_label", "township", "township_name", "community", "address", "lat",
                  "lng", "reception_weekdays", "reception_monthdays", "reception_hours", "schedule",
                  "next_reception_dates", "convener", "members", "landing_url", "qr_url", "qr_png_url"]
        read_only_fields = fields

    def get_schedule(self, station) -> str:
        return schedule_text(station)

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_next_reception_dates(self, station):
        return next_reception_dates(station)

    def get_landing_url(self, station) -> str:
        return qr.station_url(station)

    def get_qr_url(self, station) -> str:
        return _absolute("deputies_public:station_qr", station.code, "svg")

    def get_qr_png_url(self, station) -> str:
        return _absolute("deputies_public:station_qr", station.code, "png")


@extend_schema(tags=["deputies"])
class DeputyListApi(generics.ListAPIView):
    """Active deputies with their stations and QR landing pages; public, no personal data."""

    permission_classes = [permissions.AllowAny]
    serializer_class = PublicDeputySerializer
    pagination_class = CodePagination
    filterset_class = DeputyFilter

    def get_queryset(self):
        return public_deputies()


@extend_schema(tags=["deputies"])
class StationListApi(generics.ListAPIView):
    """Active liaison stations: where, when they receive (next dates included), who receives there."""

    permission_classes = [permissions.AllowAny]
    serializer_class = PublicStationSerializer
    pagination_class = CodePagination
    filterset_class = StationFilter

    def get_queryset(self):
        return public_stations()
