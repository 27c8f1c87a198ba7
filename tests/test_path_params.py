"""Path parameters are checked before anything reaches the database: for every URL pattern with a parameter, a NUL
byte, a two-thousand-character value or a climb out of the folder gives a 4xx (or a redirect), never a 500.

The patterns are read from the URL resolver, so a route added later is covered without touching this file.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters

from accounts.models import Role

from .factories import UserFactory

pytestmark = pytest.mark.django_db

NUL = "%00"
BAD_VALUES = [NUL, "a%00b", "x" * 2000, "9" * 2000, "..%2F..%2Fetc%2Fpasswd", "%0d%0aSet-Cookie:x=1"]
SAMPLES = ("1", "x", "svg", "json", "auth")
CONTROL = "core.middleware.ControlCharacterMiddleware"


def _routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _group_spans(route: str):
    """(start, end, name, regex) of every parameter: <conv:name>, <name> and (?P<name>regex)."""
    for match in re.finditer(r"<(?:(\w+):)?(\w+)>", route):
        if route[max(0, match.start() - 2):match.start()] == "?P":
            continue
        regex = get_converters()[match.group(1) or "str"].regex
        yield match.start(), match.end(), match.group(2), regex
    for match in re.finditer(r"\(\?P<(\w+)>", route):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(route[end], 0) if route[end - 1] != "\\" else 0
            end += 1
        yield match.start(), end, match.group(1), route[match.end():end - 1]


def _sample(name: str, regex: str) -> str:
    preferred = ("json",) if name == "fmt" else ()  # Open311's own format, so the view itself runs
    return next(s for s in preferred + SAMPLES if re.fullmatch(regex, s))


def urls_for(route: str, value: str) -> list[str]:
    """One URL per parameter of `route`: that parameter set to `value`, the others to a value they accept."""
    spans = sorted(_group_spans(route))
    urls = []
    for bad in range(len(spans)):
        text, last = "", 0
        for i, (start, end, name, regex) in enumerate(spans):
            text += route[last:start] + (value if i == bad else _sample(name, regex))
            last = end
        text += route[last:]
        urls.append("/" + text.replace("^", "").replace("$", "").replace("\\.", "."))
    return urls


ROUTES = sorted(route for route in _routes() if list(_group_spans(route)))


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.PAGE_ACTION_LIMIT = settings.PAGE_ACTION_IP_LIMIT = 10**6  # hundreds of posts by one account
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clients(world):
    staff = Client()
    staff.force_login(UserFactory(username="supervisor", role=Role.SUPERVISOR))
    admin = Client()
    admin.force_login(UserFactory(username="root", role=Role.SUPERVISOR, is_staff=True, is_superuser=True))
    return {"anonymous": Client(), "staff": staff, "admin": admin}


def test_the_resolver_lists_the_routes_with_parameters():
    assert "track/<code:code>/" in ROUTES and "staff/demands/<int:pk>/<action:action>/" in ROUTES
    assert any(route.startswith("open311/") for route in ROUTES) and any(route.startswith("admin/") for route in ROUTES)
    assert urls_for("stats/<code:code>/", NUL) == ["/stats/%00/"]
    assert urls_for(r"open311/^v2/tokens/(?P<token>[A-Za-z0-9_-]{1,64})\.(?P<fmt>[A-Za-z0-9]+)$", "v") == [
        "/open311/v2/tokens/v.json", "/open311/v2/tokens/1.v"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_bad_path_parameter_is_never_a_server_error(route, clients):
    who = clients if route.startswith("admin/") else {k: v for k, v in clients.items() if k != "admin"}
    for value in BAD_VALUES:
        for url in urls_for(route, value):
            for name, client in who.items():
                for method in (client.get, client.post):
                    status = method(url).status_code
                    assert status < 500, f"{method.__name__.upper()} {url[:80]} as {name}: {status}"
                    if "%00" in value or "%0d" in value:
                        assert status == 404, f"{url[:80]} as {name}: {status}, not refused before routing"


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.startswith("admin/")])
def test_the_converters_alone_keep_a_nul_out_of_the_views(route, clients, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CONTROL]
    for url in urls_for(route, NUL) + urls_for(route, "a%00b"):
        for name in ("anonymous", "staff"):
            status = clients[name].get(url).status_code
            assert status < 500, f"GET {url} as {name}: {status}"


@pytest.mark.parametrize("path", ["/track/%0a/", "/stats/%7f/", "/api/v1/track/%00/"])
def test_a_control_character_in_the_path_is_a_404_before_routing(path, clients):
    for name in ("anonymous", "staff"):
        assert clients[name].get(path).status_code == 404


@pytest.mark.parametrize("path", ["/stats/?township=%00", "/staff/?q=a%00b", "/api/v1/demands/?grid=%01",
                                  "/open311/v2/requests.json?status=%00"])
def test_a_control_character_in_the_query_string_is_a_400_before_routing(path, clients):
    for name in ("anonymous", "staff"):
        assert clients[name].get(path).status_code == 400


def test_the_refusal_is_a_chinese_page_or_the_api_format(clients):
    assert "不允许的字符" in clients["anonymous"].get("/stats/?township=%00").content.decode()
    assert clients["staff"].get("/api/v1/demands/?grid=%00").json()["code"] == "invalid"
    assert clients["staff"].get("/api/v1/track/%00/").json()["code"] == "not_found"


def test_a_tab_in_a_search_is_not_refused(clients):
    assert clients["staff"].get("/staff/", {"q": "莲花\t社区"}).status_code == 200
