from django.urls import path

from . import views

urlpatterns = [
    path("", views.stats_index, name="index"),
    path("<code:code>/", views.stats_township, name="township"),
]
