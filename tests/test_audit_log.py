"""The audit log: one "core.audit" line per failed login, lockout and refused request, and no secrets in any
log record (phone numbers, tracking codes, rating and API tokens, passwords, session keys)."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def audit_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "core.audit"]


def everything_logged(caplog) -> str:
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)


def login_post(username, password, remote="203.0.113.7"):
    return Client().post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=remote)


# ---------------------------------------------------------------- logins


def test_a_failed_login_is_logged_with_username_address_and_reason_but_not_the_password(dispatcher, logs):
    login_post("dispatcher", "Secret-Guess-42")
    [line] = [line for line in audit_lines(logs) if line.startswith("login_failed")]
    assert "username=dispatcher" in line and "ip=203.0.113.7" in line and "reason=invalid_credentials" in line
    assert "Secret-Guess-42" not in everything_logged(logs)


def test_a_lockout_is_logged_once_the_limit_is_reached(dispatcher, logs):
    for _ in range(5):
        login_post("dispatcher", "wrong-password")
    lockouts = [line for line in audit_lines(logs) if line.startswith("lockout")]
    assert lockouts == ["lockout actor=- ip=203.0.113.7 username=dispatcher reason=too_many_failures"]
    refused = [line for line in audit_lines(logs) if line.startswith("refused")]
    assert refused and "status=429" in refused[-1] and "reason=locked_out" in refused[-1]


def test_a_phone_number_typed_as_the_username_is_masked(world, logs):
    login_post(PHONE, "wrong-password")
    assert any("username=138****5678" in line for line in audit_lines(logs))
    assert PHONE not in everything_logged(logs)


def test_a_username_cannot_forge_a_second_log_line(world, logs):
    login_post("x\nrefused actor=1 status=403", "wrong-password")
    [line] = [line for line in audit_lines(logs) if line.startswith("login_failed")]
    assert "\n" not in line


def test_the_throttled_login_is_logged_as_refused(world, settings, logs):
    settings.LOGIN_IP_LIMIT = 1
    login_post("a", "b")
    login_post("c", "d")
    assert any(line.startswith("refused") and "status=429" in line and "route=accounts:login" in line
               and "reason=throttled" in line for line in audit_lines(logs))


# ---------------------------------------------------------------- refused actions on pages


def test_a_refused_staff_action_names_the_actor_the_demand_and_the_action(walk, staff, logs):
    demand = walk(Status.RESOLVED)
    client = Client()
    client.force_login(staff.handler)
    response = client.post(reverse("demands:action", args=[demand.pk, "verify"]), {"verify-note": "自己验收"})
    assert response.status_code == 403
    [line] = [line for line in audit_lines(logs) if line.startswith("refused")]
    assert f"actor={staff.handler.pk}" in line and f"target={demand.pk}" in line and "action=verify" in line
    assert "status=403" in line and "route=demands:action" in line


def test_opening_a_demand_that_is_not_yours_is_logged_without_personal_data(walk, staff, logs):
    demand = walk(Status.DISPATCHED)
    client = Client()
    client.force_login(staff.other_handler)
    session_key = client.session.session_key
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 404
    [line] = [line for line in audit_lines(logs) if line.startswith("refused")]
    assert f"actor={staff.other_handler.pk}" in line and f"target={demand.pk}" in line and "status=404" in line
    text = everything_logged(logs)
    assert PHONE not in text and demand.tracking_code not in text and session_key not in text


def test_an_unknown_address_is_not_an_audit_event(world, logs):
    assert Client().get("/no-such-page/").status_code == 404
    assert audit_lines(logs) == []


def test_a_post_without_csrf_token_is_logged_as_a_csrf_refusal(world, logs):
    client = Client(enforce_csrf_checks=True)
    client.post(reverse("demands:submit"), {"contact_phone": PHONE, "content": "路灯坏了"})
    [line] = audit_lines(logs)
    assert "status=403" in line and "reason=csrf" in line and "route=demands:submit" in line
    assert PHONE not in everything_logged(logs)


def test_a_throttled_submission_keeps_the_phone_number_out_of_the_log(world, settings, logs):
    settings.PAGE_SUBMIT_LIMIT = 0
    response = Client().post(reverse("demands:submit"), {
        "type": "help", "content": "莲花社区路灯坏了一个星期。", "township": world.township.pk,
        "contact_name": "王秀英", "contact_phone": PHONE})
    assert response.status_code == 429
    assert any("reason=throttled" in line and "route=demands:submit" in line for line in audit_lines(logs))
    assert PHONE not in everything_logged(logs)


def test_tracking_codes_and_rating_tokens_in_the_address_never_reach_the_log(walk, logs):
    demand = walk(Status.VERIFIED)
    demand.refresh_from_db()
    assert demand.rating_token
    client = Client()
    client.get(reverse("demands:track_detail", args=[demand.tracking_code]))
    client.get(reverse("demands:rate", args=[demand.rating_token + "x"]))  # a mistyped link: 404
    client.get(reverse("demands:track_detail", args=["ABC-DEF-GHJ-KMN-PQR-STV"]))  # an unknown code: 404
    assert len([line for line in audit_lines(logs) if "status=404" in line]) == 2
    text = everything_logged(logs)
    assert demand.tracking_code not in text
    assert demand.rating_token not in text
    assert "ABC-DEF-GHJ-KMN-PQR-STV" not in text
    assert "Not Found: /rate/…/" in text  # Django's own request line survives, scrubbed


# ---------------------------------------------------------------- API


def test_a_bad_api_token_is_logged_as_refused_without_the_token(world, logs):
    bad = "msk_ThisIsNotARealTokenButLooksLikeOne1234"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {bad}")
    assert client.get("/api/v1/demands/").status_code == 401
    [line] = audit_lines(logs)
    assert "status=401" in line and "reason=not_authenticated" in line and "credentials=token" in line
    assert "route=api:demands" in line
    assert bad not in everything_logged(logs)


def test_an_api_refusal_names_the_actor_and_target(walk, staff, logs):
    demand = walk(Status.DISPATCHED)
    client = APIClient()
    client.force_authenticate(staff.other_handler)
    assert client.post(f"/api/v1/demands/{demand.pk}/accept/", {}, format="json").status_code == 404
    [line] = audit_lines(logs)
    assert f"actor={staff.other_handler.pk}" in line and f"target={demand.pk}" in line and "action=accept" in line
    assert "reason=not_found" in line


def test_a_good_api_token_is_never_logged(walk, staff, logs):
    from integrations.models import ApiToken

    demand = walk(Status.DISPATCHED)
    _record, raw = ApiToken.issue(user=staff.other_handler, name="personal")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(f"/api/v1/demands/{demand.pk}/").status_code == 404
    assert audit_lines(logs) and raw not in everything_logged(logs)


def test_the_password_never_reaches_any_log_even_on_lockout(dispatcher, logs):
    for _ in range(6):
        login_post("dispatcher", PASSWORD + "-typo")
    assert PASSWORD not in everything_logged(logs)


def test_the_gunicorn_access_line_keeps_codes_tokens_and_queries_out():
    import datetime

    from gunicorn.config import Config

    from core.audit_gunicorn import RedactingLogger

    class Response:
        status, sent, headers = "404 Not Found", 10, []

    environ = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1",
               "RAW_URI": "/rate/s3cretRatingToken/?api_key=msk_abc", "PATH_INFO": "/rate/s3cretRatingToken/",
               "QUERY_STRING": "api_key=msk_abc", "HTTP_REFERER": f"https://portal/track/?code=ABC-DEF&phone={PHONE}"}
    logger = RedactingLogger(Config())
    line = Config().access_log_format % logger.atoms(Response(), [("Cookie", "sessionid=abc")], environ,
                                                      datetime.timedelta(seconds=0.1))
    assert '"GET /rate/…/?… HTTP/1.1" 404' in line
    for secret in ("s3cretRatingToken", "msk_abc", PHONE, "sessionid"):
        assert secret not in line
