from django.urls import path
from rest_framework import generics, permissions, serializers

from .models import Ping


class PingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ping
        fields = ["id", "value"]


class PingCreateApi(generics.CreateAPIView):
    serializer_class = PingSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = []


urlpatterns = [path("ping/", PingCreateApi.as_view(), name="bench_ping")]
