"""/inquiries/ — namespace "inquiries_public": the closed inquiries' record and the public topic form."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.public_list, name="list"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.public_detail, name="detail"),
]
