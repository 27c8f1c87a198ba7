"""/api/v1/deputies/ (namespace "api:deputies")."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.DeputyListApi.as_view(), name="deputies"),
    path("stations/", api.StationListApi.as_view(), name="stations"),
]
