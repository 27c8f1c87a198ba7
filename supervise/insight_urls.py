from django.urls import path

from . import insight_views

urlpatterns = [
    path("map/", insight_views.grid_map, name="map"),
    path("hotspots/", insight_views.hotspot_list, name="hotspots"),
]
