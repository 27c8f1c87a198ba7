"""Abuse limits: throttles per real client address, the login lockout, and login redirects that stay on the site."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from demands.states import Status
from core.api import TrackThrottle

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def track_from(code, *, remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().get(reverse("demands:track_detail", args=[code]), **extra)


def login_post(username, password, *, remote="203.0.113.7", forwarded=None, next_url=None, client=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return (client or Client()).post(LOGIN, data, **extra)


# ---------------------------------------------------------------- client address behind proxies


def test_forged_forwarded_for_does_not_reset_the_tracking_limit_without_proxies(walk, settings):
    settings.PAGE_TRACK_LIMIT = 2
    code = walk(Status.RECEIVED).tracking_code
    assert track_from(code, forwarded="198.51.100.1").status_code == 200
    assert track_from(code, forwarded="198.51.100.2").status_code == 200
    refused = track_from(code, forwarded="198.51.100.3")
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode()


def test_behind_one_proxy_only_the_address_it_appended_counts(walk, settings):
    settings.PAGE_TRACK_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    code = walk(Status.RECEIVED).tracking_code
    proxy = "10.0.0.2"
    # The client writes anything it likes on the left; the proxy appends the real peer on the right.
    assert track_from(code, remote=proxy, forwarded="1.1.1.1, 192.0.2.10").status_code == 200
    assert track_from(code, remote=proxy, forwarded="2.2.2.2, 192.0.2.10").status_code == 200
    assert track_from(code, remote=proxy, forwarded="3.3.3.3, 192.0.2.10").status_code == 429
    # Another resident behind the same proxy has a budget of their own.
    assert track_from(code, remote=proxy, forwarded="192.0.2.11").status_code == 200


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(walk, settings):
    settings.PAGE_TRACK_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 2
    code = walk(Status.RECEIVED).tracking_code
    assert track_from(code, remote="10.0.0.3", forwarded="9.9.9.9, 192.0.2.20, 10.0.0.2").status_code == 200
    assert track_from(code, remote="10.0.0.3", forwarded="8.8.8.8, 192.0.2.20, 10.0.0.2").status_code == 429
    assert track_from(code, remote="10.0.0.3", forwarded="8.8.8.8, 192.0.2.21, 10.0.0.2").status_code == 200


def test_forged_forwarded_for_does_not_reset_the_api_tracking_throttle(walk, monkeypatch):
    monkeypatch.setattr(TrackThrottle, "THROTTLE_RATES", {**TrackThrottle.THROTTLE_RATES, "anon_track": "2/hour"})
    code = walk(Status.RECEIVED).tracking_code
    client = APIClient()
    statuses = [client.get(f"/api/v1/track/{code}/", REMOTE_ADDR="203.0.113.9",
                           HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(f"/api/v1/track/{code}/", REMOTE_ADDR="203.0.113.9")
    assert refused.json()["code"] == "throttled"


def test_forged_forwarded_for_does_not_reset_the_anonymous_submit_limit(world, settings):
    settings.PAGE_SUBMIT_LIMIT = 1
    data = {"type": "help", "content": "莲花社区路灯坏了一个星期，晚上很黑。", "township": world.township.pk}
    first = Client().post(reverse("demands:submit"), data, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    second = Client().post(reverse("demands:submit"), data, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert first.status_code == 302
    assert second.status_code == 429


# ---------------------------------------------------------------- login lockout and throttle


def test_five_failed_logins_lock_the_account_from_that_address_with_a_chinese_page(dispatcher):
    for _ in range(4):
        response = login_post("dispatcher", "wrong-password")
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()  # Django's own "enter a correct username" message
    locked = login_post("dispatcher", "wrong-password")
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode() and "15 分钟" in locked.content.decode()
    # Even the right password is refused while the lock lasts, and no session is opened.
    again = login_post("dispatcher", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in again.client.session


def test_a_forged_forwarded_for_does_not_escape_the_lockout(dispatcher):
    for n in range(5):
        login_post("dispatcher", "wrong-password", forwarded=f"198.51.100.{n}")
    assert login_post("dispatcher", PASSWORD, forwarded="198.51.100.99").status_code == 429


def test_the_lockout_is_per_username_and_address(dispatcher, supervisor):
    for _ in range(5):
        login_post("dispatcher", "wrong-password", remote="203.0.113.7")
    # The same person from the office network, and a colleague from the same address, still get in.
    assert login_post("dispatcher", PASSWORD, remote="192.0.2.50").status_code == 302
    assert login_post("supervisor", PASSWORD, remote="203.0.113.7").status_code == 302


def test_the_lockout_ends_after_the_cool_off(dispatcher):
    for _ in range(5):
        login_post("dispatcher", "wrong-password")
    assert login_post("dispatcher", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login_post("dispatcher", PASSWORD).status_code == 302


def test_a_successful_login_clears_earlier_failures(dispatcher):
    for _ in range(4):
        login_post("dispatcher", "wrong-password")
    assert login_post("dispatcher", PASSWORD).status_code == 302
    for _ in range(4):
        login_post("dispatcher", "wrong-password")
    assert login_post("dispatcher", PASSWORD).status_code == 302


def test_the_failure_limit_and_cool_off_follow_the_settings(dispatcher, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=3)
    login_post("dispatcher", "wrong-password")
    locked = login_post("dispatcher", "wrong-password")
    assert locked.status_code == 429 and "3 分钟" in locked.content.decode()


def test_one_address_trying_many_usernames_is_throttled(world, settings):
    settings.LOGIN_IP_LIMIT = 3
    statuses = [login_post(f"guess{n}", "123456").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "请求过于频繁" in login_post("guess9", "123456").content.decode()
    # The limit counts per address: another network is unaffected.
    assert login_post("guess10", "123456", remote="192.0.2.77").status_code == 200


def test_the_login_throttle_ignores_a_forged_forwarded_for(world, settings):
    settings.LOGIN_IP_LIMIT = 2
    statuses = [login_post(f"guess{n}", "123456", forwarded=f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


# ---------------------------------------------------------------- login redirects stay on the site


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "http://testserver.evil.example/",
    "javascript:alert(1)",
    " //evil.example",
])
def test_login_never_redirects_off_the_site(dispatcher, target):
    response = login_post("dispatcher", PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("demands:workbench")


def test_login_follows_a_next_on_the_site(dispatcher):
    response = login_post("dispatcher", PASSWORD, next_url="/staff/dashboard/?period=month")
    assert response["Location"] == "/staff/dashboard/?period=month"


def test_the_login_page_drops_an_off_site_next_from_its_form(world):
    page = Client().get(LOGIN, {"next": "https://evil.example/"}).content.decode()
    assert '<input type="hidden" name="next" value="">' in page


def test_logout_never_redirects_off_the_site(dispatcher):
    client = Client()
    client.force_login(dispatcher)
    response = client.post(reverse("accounts:logout"), {"next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session


def test_an_authenticated_visit_to_login_with_an_off_site_next_stays_on_the_site(dispatcher):
    client = Client()
    client.force_login(dispatcher)
    response = client.get(LOGIN, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("demands:workbench")


def test_the_language_switch_never_redirects_off_the_site(world):
    response = Client().post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
