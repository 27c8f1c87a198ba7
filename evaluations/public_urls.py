from django.urls import path

from . import views

app_name = "evaluations_public"
urlpatterns = [
    path("", views.public_home, name="home"),
    path("<year:year>/", views.public_round, name="round"),
    path("<year:year>/rate/", views.public_rate, name="rate"),
]
