from django.urls import path

from . import exports, photos, views

app_name = "demands"
urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/similar/", views.similar_hint, name="similar_hint"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track_detail"),
    path("track/<str:code>/receipt/", views.receipt, name="receipt"),
    path("track/<str:code>/photos/<str:token>/", photos.photo, name="track_photo"),
    path("photos/<str:token>/", photos.photo, name="photo"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("staff/", views.workbench, name="workbench"),
    path("staff/export.csv", exports.export_csv, name="export_csv"),
    path("staff/export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("staff/demands/<int:pk>/", views.demand_detail, name="detail"),
    # Older links to a photo under its demand; the same view and checks as /photos/<token>/.
    path("staff/demands/<int:pk>/photos/<str:token>/", photos.photo, name="staff_photo"),
    path("staff/demands/<int:pk>/orders/<int:order_id>/answer/", views.supervision_answer, name="supervision_answer"),
    path("staff/demands/<int:pk>/<str:action>/", views.demand_action, name="action"),
]
