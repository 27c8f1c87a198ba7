"""/api/v1/suggestions/ — namespace "api:suggestions"."""

from django.urls import path

from core.workflow_api import action_routes

from . import api

urlpatterns = [
    path("", api.SuggestionListCreateApi.as_view(), name="list"),
    path("figures/", api.SuggestionFiguresApi.as_view(), name="figures"),
    path("<int:pk>/", api.SuggestionDetailApi.as_view(), name="detail"),
    *action_routes("", api.SuggestionActionApi, noun="Suggestion", name="action"),
]
