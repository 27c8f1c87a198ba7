from django.urls import path

from . import views

urlpatterns = [
    path("ballot/", views.round_current, name="home"),
    path("ballot/<year:year>/", views.round_detail, name="round"),
    path("ballot/<year:year>/propose/", views.propose, name="propose"),
    path("ballot/<year:year>/results/", views.results, name="results"),
    path("ballot/projects/<int:pk>/", views.project_detail, name="project"),
    path("ballot/projects/<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("staff/ballot/", views.staff_home, name="staff_home"),
    path("staff/ballot/<year:year>/", views.screening, name="screening"),
    path("staff/ballot/<year:year>/vote/", views.vote, name="vote"),
    path("staff/ballot/<year:year>/candidates/", views.candidate_create, name="candidate_create"),
    path("staff/ballot/<year:year>/proposals/<int:pk>/merge/", views.proposal_merge, name="proposal_merge"),
    path("staff/ballot/<year:year>/proposals/<int:pk>/decline/", views.proposal_decline, name="proposal_decline"),
    path("staff/ballot/<year:year>/screen/", views.screen, name="screen"),
    path("staff/ballot/<year:year>/publish/", views.publish, name="publish"),
    path("staff/ballot/projects/<int:pk>/", views.project_staff, name="project_staff"),
    path("staff/ballot/projects/<int:pk>/progress/", views.progress_add, name="progress_add"),
    path("staff/ballot/projects/<int:pk>/report/", views.report_add, name="report_add"),
]
