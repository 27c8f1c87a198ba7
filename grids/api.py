"""Places for integrators: the hierarchy and locating a point."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CodePagination
from core.errors import InvalidInput

from .locate import locate
from .models import Community, Grid, MicroGrid, Township


class TownshipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Township
        fields = ["id", "code", "name", "kind"]


class CommunitySerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Community
        fields = ["id", "code", "name", "township"]


class GridSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    community = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "township", "community", "lat", "lng", "polygon"]


class MicroGridSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = MicroGrid
        fields = ["id", "code", "name", "grid"]


class _Public:
    permission_classes = [permissions.AllowAny]


class TownshipListApi(_Public, generics.ListAPIView):
    queryset = Township.objects.all()
    serializer_class = TownshipSerializer
    pagination_class = None


class CommunityListApi(_Public, generics.ListAPIView):
    serializer_class = CommunitySerializer
    pagination_class = None
    filterset_fields = {"township__code": ["exact"]}

    def get_queryset(self):
        return Community.objects.select_related("township")


class GridListApi(_Public, generics.ListAPIView):
    serializer_class = GridSerializer
    pagination_class = CodePagination
    filterset_fields = {"township__code": ["exact"], "community__code": ["exact"]}

    def get_queryset(self):
        return Grid.objects.select_related("township", "community").order_by("code")


class MicroGridListApi(_Public, generics.ListAPIView):
    serializer_class = MicroGridSerializer
    pagination_class = CodePagination
    filterset_fields = {"grid__code": ["exact"]}

    def get_queryset(self):
        return MicroGrid.objects.select_related("grid").order_by("code")


class LocateResultSerializer(serializers.Serializer):
    township = serializers.CharField(allow_null=True)
    community = serializers.CharField(allow_null=True)
    grid = serializers.CharField(allow_null=True)
    method = serializers.CharField()


class LocateApi(_Public, APIView):
    """The grid of a point: inside its polygon, else the nearest centroid; nothing outside the district."""

    @extend_schema(parameters=[OpenApiParameter("lat", float, required=True),
                               OpenApiParameter("lng", float, required=True)],
                   responses={200: LocateResultSerializer})
    def get(self, request):
        try:
            lat = Decimal(request.query_params.get("lat", ""))
            lng = Decimal(request.query_params.get("lng", ""))
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise InvalidInput(field_errors={"lat": [_("Give lat and lng as decimal degrees.")]}) from None
        grid, method = locate(float(lat), float(lng))
        if grid is None:
            return Response({"township": None, "community": None, "grid": None, "method": method})
        return Response({"township": grid.township.code, "community": grid.community.code, "grid": grid.code,
                         "method": method})
