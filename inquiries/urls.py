"""/staff/inquiries/ — namespace "inquiries"."""

from django.urls import path

from . import views
from .actions import ACTIONS
from .states import TopicAction

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.inquiry_new, name="new"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    *[path(f"topics/<int:pk>/{action.value}/", views.topic_decide, {"action": action.value},
           name=f"topic_{action.value}") for action in (TopicAction.ACCEPT, TopicAction.DECLINE)],
    path("<int:pk>/", views.inquiry_detail, name="detail"),
    *[path(f"<int:pk>/{action.value}/", views.inquiry_action, {"action": action.value}, name=action.value)
      for action in ACTIONS],
]
