"""Places for integrators: the hierarchy and locating a point."""


from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CodePagination, QuerySerializer

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


class LocateQuerySerializer(QuerySerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="decimal degrees")
    lng = serializers.FloatField(min_value=-180, max_value=180, help_text="decimal degrees")


class LocateApi(_Public, APIView):
    """The grid of a point: inside its polygon, else the nearest centroid; nothing outside the district."""

    @extend_schema(parameters=[LocateQuerySerializer], responses={200: LocateResultSerializer})
    def get(self, request):
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)  # out of range or not a number: 400 naming lat or lng
        grid, method = locate(query.validated_data["lat"], query.validated_data["lng"])
        if grid is None:
            return Response({"township": None, "community": None, "grid": None, "method": method})
        return Response({"township": grid.township.code, "community": grid.community.code, "grid": grid.code,
                         "method": method})
