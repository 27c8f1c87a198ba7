"""Map and hotspots data for the API (docs/figures.md): the same figures as /staff/insight/, without personal data.

Dispatchers, supervisors and superusers only; anyone else gets the same 404 as an unknown address."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from core.api import QuerySerializer

from demands.models import Category
from grids.models import Township
from core.errors import InvalidInput, NotFound

from . import maps
from .hotspots import Period, hotspots


def _insight_viewer(request):
    if not maps.can_open_insight(request.user):
        raise NotFound()


class PeriodQuery(QuerySerializer):
    start = serializers.DateField(required=False, help_text="First day (local); default 29 days before `end`.")
    end = serializers.DateField(required=False, help_text="Last day (local), included; default today.")

    def validate(self, attrs):
        try:
            attrs["period"] = Period.checked(attrs.get("start"), attrs.get("end"))
        except InvalidInput as error:
            raise serializers.ValidationError(error.field_errors, code="unprocessable") from None
        return attrs


class GridMapQuery(PeriodQuery):
    category = serializers.CharField(required=False, max_length=60,
                                     help_text="Category code; a top-level code takes in its sub-categories.")

    def validate_category(self, value):
        category = Category.objects.filter(code=value).first()
        if category is None:
            raise serializers.ValidationError(_("No such category."), code="unprocessable")
        return category


class HotspotsQuery(PeriodQuery):
    township = serializers.CharField(required=False, max_length=12, help_text="Township code.")

    def validate_township(self, value):
        viewer = self.context["viewer"]
        townships = Township.objects.all()
        if not viewer.is_superuser and viewer.township_id is not None:
            townships = townships.filter(pk=viewer.township_id)  # another township reads as unknown
        township = townships.filter(code=value).first()
        if township is None:
            raise serializers.ValidationError(_("No such township."), code="unprocessable")
        return township


_period = inline_serializer("InsightPeriod", {"start": serializers.DateField(), "end": serializers.DateField()})

GridMapResponse = inline_serializer("GridMap", {
    "type": serializers.ChoiceField(choices=["FeatureCollection"]),
    "features": inline_serializer("GridFeature", {
        "type": serializers.ChoiceField(choices=["Feature"]),
        "id": serializers.IntegerField(),
        "geometry": inline_serializer("GridGeometry", {
            "type": serializers.ChoiceField(choices=["Polygon", "MultiPolygon", "Point"]),
            "coordinates": serializers.JSONField(),
        }),
        "properties": inline_serializer("GridLoad", {
            "code": serializers.CharField(), "name": serializers.CharField(),
            "community": serializers.CharField(), "township": serializers.CharField(),
            "township_index": serializers.IntegerField(help_text="Position of the grid's township, for colouring."),
            "lat": serializers.FloatField(), "lng": serializers.FloatField(),
            "open": serializers.IntegerField(help_text="Open demands located in the grid."),
            "received": serializers.IntegerField(help_text="Demands located in the grid received in the period."),
            "overdue": serializers.IntegerField(help_text="Open demands past their resolve deadline."),
            "overdue_share": serializers.FloatField(allow_null=True, help_text="overdue / open; null without open."),
        }),
    }, many=True),
    "period": _period,
    "category": serializers.CharField(allow_null=True),
    "totals": inline_serializer("GridMapTotals", {
        "open": serializers.IntegerField(help_text="Open demands in scope and category, located in a grid or not."),
        "received": serializers.IntegerField(
            help_text="Received in the period, located in a grid or not: the dashboard's and the hotspots' count."),
        "overdue": serializers.IntegerField(),
        "off_map": inline_serializer("GridMapOffMap", {
            "open": serializers.IntegerField(), "received": serializers.IntegerField(),
            "overdue": serializers.IntegerField(),
        }, help_text="The part of the totals on no grid of the map (located in no grid)."),
    }),
    "links": inline_serializer("GridMapLinks", {
        "open": serializers.CharField(help_text="Workbench list of a grid's open demands: append the grid code."),
        "received": serializers.CharField(help_text="Workbench list of the period's demands: append the grid code."),
    }),
    "legend": inline_serializer("GridMapLegend", {
        "open": serializers.ListField(child=serializers.IntegerField()),
        "received": serializers.ListField(child=serializers.IntegerField()),
        "overdue_share": serializers.ListField(child=serializers.FloatField()),
    }),
})


class GridMapApi(APIView):
    """Every grid the viewer may see, as GeoJSON, with its open, received-in-period and overdue demand counts."""

    @extend_schema(parameters=[GridMapQuery], responses={200: GridMapResponse})
    def get(self, request):
        _insight_viewer(request)
        query = GridMapQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        c = query.validated_data
        loads = maps.grid_loads(viewer=request.user, period=c["period"], category=c.get("category"))
        return Response(maps.geojson(loads, period=c["period"], category=c.get("category")))


_pair = {
    "category": serializers.CharField(), "category_name": serializers.CharField(),
    "current": serializers.IntegerField(), "previous": serializers.IntegerField(),
    "change": serializers.IntegerField(), "score": serializers.FloatField(),
    "url": serializers.CharField(help_text="Workbench list of the demands counted in `current`."),
}

HotspotsResponse = inline_serializer("Hotspots", {
    "period": _period,
    "previous_period": _period,
    "received": serializers.IntegerField(),
    "min_current": serializers.IntegerField(),
    "by_township": inline_serializer("TownshipHotspot", {
        **_pair, "township": serializers.CharField(), "township_name": serializers.CharField()}, many=True),
    "by_grid": inline_serializer("GridHotspot", {
        **_pair, "grid": serializers.CharField(), "grid_name": serializers.CharField(),
        "township": serializers.CharField(), "township_name": serializers.CharField()}, many=True),
    "term_sample": serializers.IntegerField(help_text="Demands of the period whose contents were segmented."),
    "terms": inline_serializer("HotspotTerm", {
        "term": serializers.CharField(), "count": serializers.IntegerField(), "url": serializers.CharField()},
        many=True),
})


def _pair_row(h) -> dict:
    return {"category": h.category.code, "category_name": h.category.name, "current": h.current,
            "previous": h.previous, "change": h.change, "score": h.score, "url": h.url}


class HotspotsApi(APIView):
    """Category × township and sub-category × grid pairs rising against the previous period, and frequent terms.
    Rising score = (current − previous) / √(previous + 1)."""

    @extend_schema(parameters=[HotspotsQuery], responses={200: HotspotsResponse})
    def get(self, request):
        _insight_viewer(request)
        query = HotspotsQuery(data=request.query_params, context={"viewer": request.user})
        query.is_valid(raise_exception=True)
        c = query.validated_data
        figures = hotspots(viewer=request.user, period=c["period"], township=c.get("township"))

        def period(p):
            return {"start": p.start, "end": p.end}

        return Response({
            "period": period(figures.period),
            "previous_period": period(figures.previous),
            "received": figures.received,
            "min_current": figures.min_current,
            "by_township": [{**_pair_row(h), "township": h.place.code, "township_name": h.place.name}
                            for h in figures.by_township],
            "by_grid": [{**_pair_row(h), "grid": h.place.code, "grid_name": h.place.name,
                         "township": h.place.township.code, "township_name": h.place.township.name}
                        for h in figures.by_grid],
            "term_sample": figures.term_sample,
            "terms": [{"term": t.term, "count": t.count, "url": t.url} for t in figures.terms],
        })
