"""CSRF: every page route and every session-authenticated API call refuses a POST without the token.

The routes are read from the URL configuration, so a form added later is covered without touching this file.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import get_converters
from rest_framework.test import APIClient

from demands.models import Demand
from demands.states import Status
from integrations.services import integration_create

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

CSRF_PAGE = "403_csrf.html"
CSRF_DETAIL = "安全校验未通过：请刷新页面后重试。"
# Prefixes that are not cookie-authenticated pages: the API (tested below), Open311 (servers holding an
# api_key, csrf_exempt on purpose) and Django's admin (Django's own forms).
NOT_PAGES = ("api/", "open311/", "admin/")
SAMPLES = ("x", "1", "svg", "png")


def _routes(resolver=None, prefix=""):
    """(route text, view) for every URL pattern, walking includes."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _sample_path(route: str) -> str | None:
    """A concrete path for a `path()` route, with each <converter:name> filled by a value it accepts."""
    if route.startswith("^") or "(?P" in route:
        return None

    def fill(match):
        regex = get_converters()[match.group(1)].regex
        for sample in SAMPLES:
            if re.fullmatch(regex, sample):
                return sample
        raise AssertionError(f"no sample for {match.group(0)} in {route}")

    return "/" + re.sub(r"<(\w+):\w+>", fill, route)


def page_paths():
    paths = []
    for route, callback in _routes():
        if route.startswith(NOT_PAGES):
            continue
        path = _sample_path(route)
        if path is not None and resolve(path).func is callback:
            paths.append(path)
    return sorted(set(paths))


def api_paths():
    paths = []
    for route, callback in _routes():
        if route.startswith("api/"):
            path = _sample_path(route)
            if path is not None and resolve(path).func is callback:
                paths.append(path)
    return sorted(set(paths))


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(reverse("home"))  # any page with a form sets the CSRF cookie
    return client


def token_of(client) -> str:
    return client.cookies["csrftoken"].value


def template_names(response) -> set[str]:
    return {t.name for t in response.templates}


# ---------------------------------------------------------------- pages


def test_the_route_list_covers_the_resident_staff_deputy_and_login_forms():
    paths = page_paths()
    for expected in ("/submit/", "/rate/x/", "/accounts/login/", "/accounts/logout/", "/staff/demands/1/x/",
                     "/staff/deputy/demands/1/answer/", "/staff/suggestions/new/", "/ballot/1/propose/",
                     "/d/x/", "/s/x/", "/g/x/", "/inbox/read-all/", "/i18n/setlang/"):
        assert expected in paths


def test_no_page_view_is_exempt_from_csrf():
    exempt = sorted(route for route, callback in _routes()
                    if getattr(callback, "csrf_exempt", False) and not route.startswith(NOT_PAGES))
    assert exempt == []


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous", "staff"])
def test_every_page_refuses_a_post_without_the_token_with_a_chinese_page(dispatcher, anonymous):
    client = csrf_client(None if anonymous else dispatcher)
    for path in page_paths():
        response = client.post(path, {"content": "莲花社区路灯坏了"})
        assert response.status_code == 403, path
        assert CSRF_PAGE in template_names(response), path
        assert "页面已过期" in response.content.decode(), path


def test_every_page_lets_a_post_with_the_token_past_the_check(dispatcher):
    client = csrf_client(dispatcher)
    for path in page_paths():
        response = client.post(path, {"csrfmiddlewaretoken": token_of(client)})
        assert CSRF_PAGE not in template_names(response), path
        assert response.status_code < 500, path
        if path == "/accounts/logout/":
            client.force_login(dispatcher)


def test_a_resident_submission_without_the_token_saves_nothing_and_with_it_gets_a_receipt(world):
    client = csrf_client()
    data = {"type": "help", "content": "莲花社区路灯坏了一个星期，晚上很黑。", "township": world.township.pk,
            "contact_phone": "13812345678"}
    refused = client.post(reverse("demands:submit"), data)
    assert refused.status_code == 403 and Demand.objects.count() == 0
    accepted = client.post(reverse("demands:submit"), {**data, "csrfmiddlewaretoken": token_of(client)})
    assert accepted.status_code == 302 and Demand.objects.count() == 1


def test_a_workbench_action_without_the_token_changes_nothing(walk, staff):
    demand = walk(Status.DISPATCHED)
    client = csrf_client(staff.handler)
    url = reverse("demands:action", args=[demand.pk, "accept"])
    assert client.post(url).status_code == 403
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED
    assert client.post(url, {"csrfmiddlewaretoken": token_of(client)}).status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED


def test_login_and_logout_need_the_token(dispatcher):
    client = csrf_client()
    credentials = {"username": "dispatcher", "password": PASSWORD}
    assert client.post(reverse("accounts:login"), credentials).status_code == 403
    assert "_auth_user_id" not in client.session
    logged_in = client.post(reverse("accounts:login"), {**credentials, "csrfmiddlewaretoken": token_of(client)})
    assert logged_in.status_code == 302 and "_auth_user_id" in client.session
    client.get(reverse("home"))  # login rotates the token
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert "_auth_user_id" in client.session
    client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token_of(client)})
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- API


def session_api_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("home"))
    return client


def test_every_session_authenticated_api_post_without_the_token_is_refused_in_json(dispatcher):
    client = session_api_client(dispatcher)
    paths = api_paths()
    assert "/api/v1/demands/1/x/" in paths and "/api/v1/demands/" in paths
    for path in paths:
        response = client.post(path, {}, format="json")
        assert response.status_code == 403, path
        if path.startswith("/api/v1/"):  # the schema and docs views answer in their own formats
            assert response.json() == {"code": "forbidden", "detail": CSRF_DETAIL}, path


def test_every_session_authenticated_api_post_with_the_token_gets_past_the_check(dispatcher):
    client = session_api_client(dispatcher)
    for path in api_paths():
        response = client.post(path, {}, format="json", HTTP_X_CSRFTOKEN=token_of(client))
        assert response.status_code < 500, path
        assert CSRF_DETAIL not in response.content.decode(), path


def test_a_session_authenticated_api_post_with_the_token_is_carried_out(walk, staff):
    demand = walk(Status.DISPATCHED)
    client = session_api_client(staff.handler)
    response = client.post(f"/api/v1/demands/{demand.pk}/accept/", {}, format="json",
                           HTTP_X_CSRFTOKEN=token_of(client))
    assert response.status_code == 200
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED


def test_token_authenticated_integration_calls_need_no_csrf_token(world):
    _integration, token = integration_create(name="12345热线", townships=[world.township])
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post("/api/v1/demands/", {"type": "complaint", "content": "夜市噪音很大，凌晨还在营业。",
                                                "township": world.township.code}, format="json")
    assert response.status_code == 201


def test_anonymous_api_intake_without_a_session_needs_no_csrf_token(world):
    response = APIClient(enforce_csrf_checks=True).post(
        "/api/v1/demands/", {"type": "help", "content": "路灯坏了一个星期。", "township": world.township.code},
        format="json")
    assert response.status_code == 201
