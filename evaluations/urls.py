from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/<action:action>/", views.rectification_action, name="rectification_action"),
    path("<year:year>/", views.round_detail, name="round"),
    path("<year:year>/rate/", views.deputy_rate, name="deputy_rate"),
    path("<year:year>/export.csv", views.round_export, {"fmt": "csv"}, name="export_csv"),
    path("<year:year>/export.xlsx", views.round_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<year:year>/<action:action>/", views.round_action, name="round_action"),
]
