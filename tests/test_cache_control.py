"""Nothing personal stays in a browser's or a proxy's cache: every response to a signed-in user or an API client,
every export and the resident's pages that carry a tracking code or a rating token say `Cache-Control: no-store`;
public anonymous pages stay cacheable. And the deployment file is HTTPS-only unless the operator says otherwise."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from demands.states import Status

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_a_staff_page_is_not_stored(staff):
    response = logged_in(staff.dispatcher).get(reverse("demands:workbench"))
    assert response.status_code == 200 and no_store(response)
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/staff/export.csv?tab=all", "/staff/export.xlsx?tab=all",
                                 "/staff/dashboard/export.csv", "/staff/dashboard/export.xlsx"])
def test_exports_are_not_stored(url, staff):
    response = logged_in(staff.supervisor).get(url)
    assert response.status_code == 200 and no_store(response)


@pytest.mark.django_db
def test_api_responses_are_not_stored_public_or_not(walk, staff):
    demand = walk(Status.DISPATCHED)
    assert no_store(Client().get("/api/v1/townships/"))
    assert no_store(Client().get(f"/api/v1/track/{demand.tracking_code}/"))
    assert no_store(logged_in(staff.dispatcher).get(f"/api/v1/demands/{demand.pk}/"))
    assert no_store(Client().get("/api/v1/demands/"))  # the 401 too


@pytest.mark.django_db
def test_the_residents_tracking_receipt_and_rating_pages_are_not_stored(walk):
    demand, verified = walk(Status.DISPATCHED), walk(Status.VERIFIED)
    for url in (f"/track/{demand.tracking_code}/", f"/track/{demand.tracking_code}/receipt/",
                f"/rate/{verified.rating_token}/", f"/track/?code={demand.tracking_code}"):
        response = Client().get(url)
        assert response.status_code in (200, 302) and no_store(response), url


@pytest.mark.django_db
def test_a_residents_photo_is_private_and_not_stored(world, staff):
    from demands import services

    from .conftest import photo

    demand = services.demand_receive(actor=None, type="help", content="门口的井盖丢了，晚上很危险。",
                                     township=world.township, photos=[photo()])
    token = demand.attachments.get().token
    response = Client().get(f"/track/{demand.tracking_code}/photos/{token}/")
    assert response.status_code == 200 and no_store(response) and "max-age=3600" not in response["Cache-Control"]


@pytest.mark.django_db
def test_a_post_answer_is_not_stored(world):
    response = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "莲花社区路灯坏了一个星期，晚上很黑。", "township": world.township.pk})
    assert response.status_code == 302 and no_store(response)


@pytest.mark.django_db
def test_public_anonymous_pages_stay_cacheable(world):
    for url in ("/stats/", "/", f"/d/{world.deputy_record.code}/qr.svg"):
        response = Client().get(url)
        assert response.status_code == 200 and not no_store(response), url
    assert "public" in Client().get(f"/d/{world.deputy_record.code}/qr.svg")["Cache-Control"]


@pytest.mark.django_db
def test_the_same_public_page_is_not_stored_for_a_signed_in_user(world, staff):
    assert no_store(logged_in(staff.dispatcher).get("/stats/"))


# ---------------------------------------------------------------- docker-compose.yml


def compose_env() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["environment"]


def default_of(value: str) -> str:
    """The value Compose uses when the variable is unset: `${NAME:-default}` gives `default`."""
    match = re.fullmatch(r"\$\{(\w+)(:?-)(.*)\}", str(value))
    return match.group(3) if match else str(value)


def test_compose_is_https_only_unless_the_operator_turns_it_off():
    env = compose_env()
    assert default_of(env["SECURE_SSL_REDIRECT"]) == "1"
    assert default_of(env["SECURE_COOKIES"]) == "1"
    assert int(default_of(env["SECURE_HSTS_SECONDS"])) >= 31536000
    for name in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"):
        assert env[name].startswith("${" + name), f"{name} cannot be changed from .env"
    assert env["DEBUG"] == "0"


def test_compose_requires_the_public_base_url():
    value = compose_env()["PUBLIC_BASE_URL"]
    assert re.fullmatch(r"\$\{PUBLIC_BASE_URL:\?.+\}", value), value
