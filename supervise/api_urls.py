from django.urls import path

from . import api

urlpatterns = [
    path("", api.DashboardApi.as_view(), name="data"),
]
