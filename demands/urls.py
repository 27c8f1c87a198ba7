from django.urls import path

from . import exports, photos, record_views, resident_views, views

app_name = "demands"
urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/similar/", views.similar_hint, name="similar_hint"),
    path("track/", views.track, name="track"),
    path("track/<code:code>/", views.track_detail, name="track_detail"),
    path("track/<code:code>/receipt/", views.receipt, name="receipt"),
    path("track/<code:code>/rate/", views.track_rate, name="track_rate"),
    path("track/<code:code>/add/", views.track_supplement, name="track_supplement"),
    path("track/<code:code>/chase/", views.track_chase, name="track_chase"),
    path("track/<code:code>/withdraw/", views.track_withdraw, name="track_withdraw"),
    path("track/<code:code>/photos/<token:token>/", photos.photo, name="track_photo"),
    path("photos/<token:token>/", photos.photo, name="photo"),
    path("rate/<token:token>/", views.rate, name="rate"),
    # A registered resident's own demands; the staff workbench and its exports are not for them.
    path("my/", resident_views.my_demands, name="my"),
    path("my/submit/", resident_views.my_submit, name="my_submit"),
    path("staff/", resident_views.residents_to_my_demands(views.workbench), name="workbench"),
    path("staff/export.csv", resident_views.not_for_residents(exports.export_csv), name="export_csv"),
    path("staff/export.xlsx", resident_views.not_for_residents(exports.export_xlsx), name="export_xlsx"),
    path("staff/record/", record_views.record, name="record"),
    path("staff/demands/<int:pk>/", views.demand_detail, name="detail"),
    # Older links to a photo under its demand; the same view and checks as /photos/<token>/.
    path("staff/demands/<int:pk>/photos/<token:token>/", photos.photo, name="staff_photo"),
    path("staff/demands/<int:pk>/orders/<int:order_id>/answer/", views.supervision_answer, name="supervision_answer"),
    path("staff/demands/<int:pk>/<action:action>/", views.demand_action, name="action"),
]
