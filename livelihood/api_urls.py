"""/api/v1/ballot/ (livelihood-project ballot, docs/lifecycles.md#livelihood-ballot)."""

from django.urls import path

from . import api

urlpatterns = [
    path("rounds/", api.RoundListApi.as_view(), name="rounds"),
    path("rounds/<year:year>/", api.RoundDetailApi.as_view(), name="round"),
    path("rounds/<year:year>/proposals/", api.ProposalCreateApi.as_view(), name="proposals"),
    path("rounds/<year:year>/ballot/", api.BallotApi.as_view(), name="ballot"),
    path("rounds/<year:year>/results/", api.ResultsApi.as_view(), name="results"),
    path("projects/", api.ProjectListApi.as_view(), name="projects"),
]
