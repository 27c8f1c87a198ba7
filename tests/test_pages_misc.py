"""Cascading place selects without JavaScript, language, health check and the admin."""

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse

from demands.models import DemandEvent
from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_without_javascript_the_update_button_narrows_villages_and_grids(world):
    client = Client()
    page = client.post(reverse("demands:submit"), {"township": world.township.pk, "refresh_places": "1",
                                                   "content": "我写了一半的内容"}).content.decode()
    assert world.grid.community.name in page
    assert world.other_grid.community.name not in page
    assert "我写了一半的内容" in page  # nothing the resident typed is lost
    page = client.post(reverse("demands:submit"), {"township": world.township.pk,
                                                   "community": world.grid.community.pk,
                                                   "refresh_places": "1"}).content.decode()
    assert world.grid.name in page and world.sibling_grid.name in page
    assert world.other_grid.name not in page


def test_htmx_endpoints_return_the_children_of_the_choice(world):
    client = Client()
    communities = client.get(reverse("grids:communities"), {"township": world.township.pk}).content.decode()
    assert world.grid.community.name in communities and world.other_grid.community.name not in communities
    grids = client.get(reverse("grids:grids"), {"community": world.grid.community.pk}).content.decode()
    assert world.grid.name in grids and world.other_grid.name not in grids
    assert client.get(reverse("grids:grids"), {"community": "x"}).status_code == 200


def test_grid_from_another_community_is_refused_with_a_message(world):
    response = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "路灯坏了一个月了", "township": world.township.pk,
        "community": world.grid.community.pk, "grid": world.other_grid.pk,
    })
    assert response.status_code == 400


def test_pages_are_chinese_by_default_and_english_on_request(world):
    client = Client()
    assert "我要反映" in client.get("/").content.decode()
    # A browser set to English still gets Chinese until the visitor switches.
    assert "我要反映" in Client(HTTP_ACCEPT_LANGUAGE="en-US,en").get("/").content.decode()
    switched = Client()
    switched.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Report a problem" in switched.get("/").content.decode()


def test_health_check_reports_database_and_broker():
    response = Client().get("/healthz")
    body = response.json()
    assert body["database"] == "ok"
    assert "broker" in body


def test_unknown_tracking_code_gets_a_clear_message():
    response = Client().get(reverse("demands:track_detail", args=["AAA-BBB-CCC-DDD-EEE-FFF"]))
    assert response.status_code == 404
    assert "没有找到该查询码对应的诉求" in response.content.decode()
    response = Client().get(reverse("demands:track"), {"code": "12"})
    assert response.status_code == 400
    assert "查询码" in response.content.decode()


def test_every_model_has_an_admin_page_and_events_are_read_only(walk, staff):
    from django.apps import apps

    demand = walk(Status.RESOLVED)
    admin = staff.dispatcher
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.login(username=admin.username, password=PASSWORD)
    for app in ("accounts", "grids", "deputies", "demands"):
        for model in apps.get_app_config(app).get_models():
            assert model in site._registry, model
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert client.get(url).status_code == 200, url
    event = DemandEvent.objects.filter(demand=demand).first()
    change_url = reverse("admin:demands_demandevent_change", args=[event.pk])
    client.post(change_url, {"note": "篡改"})
    event.refresh_from_db()
    assert event.note != "篡改"
    assert client.get(reverse("admin:demands_demand_change", args=[demand.pk])).status_code == 200


def test_anonymous_submissions_and_lookups_are_limited_with_a_chinese_page(world, settings):
    from django.core.cache import cache

    cache.clear()
    settings.PAGE_SUBMIT_LIMIT = 2
    client = Client()
    data = {"type": "help", "content": "门口的井盖丢了，晚上很危险。", "township": world.township.pk}
    codes = [client.post(reverse("demands:submit"), data).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    response = client.post(reverse("demands:submit"), data)
    assert "请求过于频繁" in response.content.decode()
    settings.PAGE_TRACK_LIMIT = 1
    cache.clear()
    client.get(reverse("demands:track"), {"code": "ABC"})
    assert client.get(reverse("demands:track"), {"code": "ABC"}).status_code == 429
    cache.clear()


def test_api_docs_are_served_from_local_static_files():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page and "cdn" not in page.lower()
    assert Client().get("/api/schema/").status_code == 200


def test_an_anonymous_web_submission_shows_as_a_resident_in_the_timeline(world, staff):
    from django.contrib.auth.models import AnonymousUser

    from demands import services

    demand = services.demand_receive(actor=AnonymousUser(), type="help", content="东城街道莲花社区路灯不亮了",
                                     township=world.township)
    client = Client()
    client.force_login(staff.dispatcher)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert DemandEvent.objects.get(demand=demand).actor_label == "群众"
    assert "群众" in page and "AnonymousUser" not in page


def test_date_pickers_carry_iso_values_in_chinese_pages(world, staff):
    # A browser date input only accepts yyyy-mm-dd; the Chinese display format (2026/11/23) leaves it blank.
    client = Client()
    client.force_login(staff.dispatcher)
    page = client.get(reverse("demands:workbench"), {"tab": "all", "created_from": "2026-11-03"}).content.decode()
    assert 'type="date"' in page and 'value="2026-11-03"' in page and "2026/11/03" not in page
