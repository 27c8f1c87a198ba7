"""/staff/suggestions/ — namespace "suggestions"."""

from django.urls import path

from . import views
from .actions import ACTIONS

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_new, name="new"),
    path("figures/", views.figures, name="figures"),
    path("similar/", views.similar, name="similar"),
    path("cite/<int:pk>/", views.demand_cite, name="cite_demand"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("<int:pk>/edit/", views.suggestion_edit, name="edit"),
    *[path(f"<int:pk>/{action.value}/", views.action_view(action.value), name=action.value) for action in ACTIONS],
]
