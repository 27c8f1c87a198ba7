from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("demands/<int:pk>/take/", views.demand_take, name="take"),
    path("demands/<int:pk>/answer/", views.demand_answer, name="answer"),
    path("demands/<int:pk>/forward/", views.demand_forward, name="forward"),
    path("duties/", views.duties, name="duties"),
    path("book/<code:code>/", views.book, name="book"),
    path("participation/", views.participation, name="participation"),
    path("receptions/", views.receptions, name="receptions"),
    path("receptions/new/", views.reception_new, name="reception_new"),
    path("receptions/<int:pk>/", views.reception_detail, name="reception"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/publish/", views.report_publish, name="report_publish"),
    path("reports/<int:pk>/close/", views.report_close, name="report_close"),
    path("scores/", views.scores, name="scores"),
    path("groups/", views.groups, name="groups"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("contacts/", views.contacts, name="contacts"),
]
