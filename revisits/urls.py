from django.urls import path

from . import views

app_name = "revisits"
urlpatterns = [
    path("", views.revisit_list_page, name="list"),
    path("<int:pk>/", views.revisit_detail, name="detail"),
    path("<int:pk>/reveal/", views.revisit_reveal_page, name="reveal"),
    path("<int:pk>/reach/", views.revisit_action, {"action": "reach"}, name="reach"),
    path("<int:pk>/miss/", views.revisit_action, {"action": "miss"}, name="miss"),
    path("<int:pk>/uncallable/", views.revisit_action, {"action": "close_uncallable"}, name="uncallable"),
]
