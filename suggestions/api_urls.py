"""/api/v1/suggestions/ — namespace "api:suggestions"."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.SuggestionListCreateApi.as_view(), name="list"),
    path("figures/", api.SuggestionFiguresApi.as_view(), name="figures"),
    path("<int:pk>/", api.SuggestionDetailApi.as_view(), name="detail"),
    path("<int:pk>/<action:action>/", api.SuggestionActionApi.as_view(), name="action"),
]
