"""/api/v1/ (docs/architecture.md#interfaces)."""

from django.urls import include, path

from core.workflow_api import action_routes

from demands import api as demands_api
from deputies import duty_api as deputies_duty_api
from supervise import insight_api
from grids import api as grids_api

urlpatterns = [
    path("deputies/", include(("deputies.api_urls", "deputies"))),
    path("duty-records/", deputies_duty_api.DutyRecordListCreateApi.as_view(), name="duty_records"),
    path("receptions/", deputies_duty_api.ReceptionListCreateApi.as_view(), name="receptions"),
    path("participation/", deputies_duty_api.ParticipationApi.as_view(), name="participation"),
    path("suggestions/", include(("suggestions.api_urls", "suggestions"))),
    path("ballot/", include(("livelihood.api_urls", "livelihood"))),
    path("dashboard/map/", insight_api.GridMapApi.as_view(), name="grid_map"),
    path("dashboard/hotspots/", insight_api.HotspotsApi.as_view(), name="hotspots"),
    path("dashboard/", include(("supervise.api_urls", "supervise"))),
    path("townships/", grids_api.TownshipListApi.as_view(), name="townships"),
    path("communities/", grids_api.CommunityListApi.as_view(), name="communities"),
    path("grids/", grids_api.GridListApi.as_view(), name="grids"),
    path("micro-grids/", grids_api.MicroGridListApi.as_view(), name="micro_grids"),
    path("locate/", grids_api.LocateApi.as_view(), name="locate"),
    path("categories/", demands_api.CategoryListApi.as_view(), name="categories"),
    path("departments/", demands_api.DepartmentListApi.as_view(), name="departments"),
    path("demands/", demands_api.DemandListCreateApi.as_view(), name="demands"),
    path("demands/<int:pk>/", demands_api.DemandDetailApi.as_view(), name="demand"),
    path("demands/<int:pk>/events/", demands_api.DemandEventsApi.as_view(), name="demand_events"),
    path("demands/<int:pk>/attachments/", demands_api.DemandAttachmentsApi.as_view(), name="demand_attachments"),
    # Joint handling (协办): the departments asked; add_cohandler, cohandler_opinion and remove_cohandler are actions.
    path("demands/<int:pk>/cohandlers/", demands_api.DemandCoHandlingsApi.as_view(), name="demand_cohandlers"),
    *action_routes("demands/", demands_api.DemandActionApi, noun="Demand", name="demand_action"),
    path("track/<code:code>/", demands_api.TrackApi.as_view(), name="track"),
    path("classify/", demands_api.ClassifyApi.as_view(), name="classify"),
]
