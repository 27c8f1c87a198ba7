from django.urls import path

from . import views

urlpatterns = [
    path("ballot/", views.round_current, name="home"),
    path("ballot/<int:year>/", views.round_detail, name="round"),
    path("ballot/<int:year>/propose/", views.propose, name="propose"),
    path("ballot/<int:year>/results/", views.results, name="results"),
    path("ballot/projects/<int:pk>/", views.project_detail, name="project"),
    path("ballot/projects/<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("staff/ballot/", views.staff_home, name="staff_home"),
    path("staff/ballot/<int:year>/", views.screening, name="screening"),
    path("staff/ballot/<int:year>/vote/", views.vote, name="vote"),
    path("staff/ballot/<int:year>/candidates/", views.candidate_create, name="candidate_create"),
    path("staff/ballot/<int:year>/proposals/<int:pk>/merge/", views.proposal_merge, name="proposal_merge"),
    path("staff/ballot/<int:year>/proposals/<int:pk>/decline/", views.proposal_decline, name="proposal_decline"),
    path("staff/ballot/<int:year>/screen/", views.screen, name="screen"),
    path("staff/ballot/<int:year>/publish/", views.publish, name="publish"),
    path("staff/ballot/projects/<int:pk>/", views.project_staff, name="project_staff"),
    path("staff/ballot/projects/<int:pk>/progress/", views.progress_add, name="progress_add"),
    path("staff/ballot/projects/<int:pk>/report/", views.report_add, name="report_add"),
]
