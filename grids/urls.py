from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("communities/", views.community_options, name="communities"),
    path("grids/", views.grid_options, name="grids"),
    path("micro-grids/", views.micro_grid_options, name="micro_grids"),
    path("outlines/", views.outlines, name="outlines"),
    path("locate/", views.locate_point, name="locate"),
]
