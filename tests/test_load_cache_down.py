"""A resident's demand does not depend on Redis: with the cache unreachable (Redis restarting), the anonymous
limits cannot count, and submitting through the page or the API still works (found by bench/load.py --mode chaos,
where every submission during a Redis restart answered 500)."""

import socket

import pytest
from django.test import Client
from rest_framework.test import APIClient

from demands.models import Demand, DemandEvent

pytestmark = pytest.mark.django_db

CONTENT = "小区门口的路灯坏了一个多月，晚上出行很不方便，请尽快维修。"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}


def test_page_submission_gets_its_tracking_code_while_redis_is_down(world, redis_down):
    response = Client().post("/submit/", {"type": "help", "content": CONTENT, "township": world.township.pk})

    assert response.status_code == 302
    demand = Demand.objects.get()
    assert response["Location"].endswith(f"/track/{demand.tracking_code}/receipt/")
    assert DemandEvent.objects.filter(demand=demand, action="receive").count() == 1


def test_api_submission_gets_its_tracking_code_while_redis_is_down(world, redis_down):
    response = APIClient().post("/api/v1/demands/", {"type": "help", "content": CONTENT,
                                                     "township": world.township.code}, format="json")

    assert response.status_code == 201
    assert Demand.objects.filter(tracking_code=response.json()["tracking_code"]).exists()


def test_tracking_page_answers_while_redis_is_down(world, redis_down):
    code = APIClient().post("/api/v1/demands/", {"type": "help", "content": CONTENT, "township": world.township.code},
                            format="json").json()["tracking_code"]

    assert Client().get(f"/track/{code}/").status_code == 200
    assert APIClient().get(f"/api/v1/track/{code}/").status_code == 200
