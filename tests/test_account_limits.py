"""Limits per account as well as per address: both login forms count failures (never successful logins), and every
signed-in action spends the account's budget, so colleagues behind one office address never lock each other out."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from demands.models import DemandEvent
from demands.states import Status
from livelihood.models import Evaluation

from .conftest import PASSWORD
from .factories import UserFactory
from .test_livelihood_projects import open_evaluation, published_project

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.40"  # a township office: every colleague behind one public address
ELSEWHERE = "198.51.100.9"
PORTAL_LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def login_post(form, username, password, *, remote=OFFICE):
    return Client().post(form, {"username": username, "password": password, "next": "/staff/"}, REMOTE_ADDR=remote)


def signed_in(user, *, remote=OFFICE) -> Client:
    client = Client(REMOTE_ADDR=remote)
    client.force_login(user)
    return client


# ---------------------------------------------------------------- the login forms


def test_the_admin_login_is_limited_per_address_after_failures(world, settings):
    settings.LOGIN_IP_LIMIT = 3
    statuses = [login_post(ADMIN_LOGIN, f"guess{n}", "123456").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = login_post(ADMIN_LOGIN, "guess9", "123456")
    assert refused.status_code == 429 and "请求过于频繁" in refused.content.decode()
    assert login_post(ADMIN_LOGIN, "guess10", "123456", remote=ELSEWHERE).status_code == 200


def test_both_login_forms_share_one_count_of_failures(world, settings):
    settings.LOGIN_IP_LIMIT = 2
    assert login_post(PORTAL_LOGIN, "guess1", "123456").status_code == 200
    assert login_post(ADMIN_LOGIN, "guess2", "123456").status_code == 200
    assert login_post(PORTAL_LOGIN, "guess3", "123456").status_code == 429
    assert login_post(ADMIN_LOGIN, "guess4", "123456").status_code == 429


def test_the_admin_login_locks_one_username_from_one_address_like_the_portal(world, settings):
    admin = UserFactory(username="root", role=Role.DISPATCHER, is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_post(ADMIN_LOGIN, "root", "wrong-password")
    locked = login_post(ADMIN_LOGIN, admin.username, PASSWORD)
    assert locked.status_code == 429 and "登录已暂时锁定" in locked.content.decode()
    assert login_post(ADMIN_LOGIN, admin.username, PASSWORD, remote=ELSEWHERE).status_code == 302


def test_forty_colleagues_signing_in_from_one_address_all_get_in(world):
    colleagues = [UserFactory(username=f"staff{n:02d}", role=Role.GRID_WORKER) for n in range(40)]
    statuses = [login_post(PORTAL_LOGIN, user.username, PASSWORD).status_code for user in colleagues]
    assert statuses == [302] * 40
    # Each of them again, through the admin's form this time: successes never count.
    assert [login_post(ADMIN_LOGIN, user.username, PASSWORD).status_code for user in colleagues[:10]] == [200] * 10


def test_one_colleague_locked_out_does_not_stop_the_office(world, settings):
    unlucky, colleague = UserFactory(username="unlucky"), UserFactory(username="colleague")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_post(PORTAL_LOGIN, unlucky.username, "wrong-password")
    assert login_post(PORTAL_LOGIN, unlucky.username, PASSWORD).status_code == 429
    assert login_post(PORTAL_LOGIN, colleague.username, PASSWORD).status_code == 302


def test_a_brute_force_over_many_usernames_from_one_address_is_stopped(world, settings):
    dispatcher = UserFactory(username="dispatcher_x", role=Role.DISPATCHER)
    statuses = [login_post(PORTAL_LOGIN, f"user{n:03d}", "123456").status_code for n in range(40)]
    stopped_at = statuses.index(429)
    assert stopped_at == settings.LOGIN_IP_USERNAME_LIMIT and set(statuses[stopped_at:]) == {429}
    # Not even a right password gets through from that address for the rest of the window …
    assert login_post(PORTAL_LOGIN, dispatcher.username, PASSWORD).status_code == 429
    # … while the rest of the district signs in as usual.
    assert login_post(PORTAL_LOGIN, dispatcher.username, PASSWORD, remote=ELSEWHERE).status_code == 302


def test_many_failures_for_few_usernames_hit_the_total_ceiling(world, settings):
    settings.LOGIN_IP_LIMIT = 8
    settings.AXES_FAILURE_LIMIT = 100  # only the per-address ceiling stops this one
    statuses = [login_post(PORTAL_LOGIN, f"guess{n % 2}", "123456").status_code for n in range(10)]
    assert statuses == [200] * 8 + [429] * 2


# ---------------------------------------------------------------- signed-in page actions


def test_a_signed_in_resident_evaluating_a_project_31_times_is_refused_after_the_limit(world, staff, settings):
    project = published_project(world, staff)
    open_evaluation(project)
    url = reverse("livelihood:evaluate", args=[project.pk])
    resident = signed_in(staff.resident)
    limit = settings.PAGE_SUBMIT_LIMIT

    answered = [resident.post(url, {"rating": "satisfied"}).status_code for _ in range(limit)]
    written = Evaluation.objects.count()
    refused = [resident.post(url, {"rating": "satisfied"}) for _ in range(31 - limit)]

    assert 429 not in answered and written >= 1
    assert {r.status_code for r in refused} == {429} and "请求过于频繁" in refused[0].content.decode()
    assert Evaluation.objects.count() == written  # the refused ones wrote nothing
    neighbour = signed_in(UserFactory(username="neighbour", role=Role.RESIDENT))
    assert neighbour.post(url, {"rating": "satisfied"}).status_code == 302
    assert Evaluation.objects.count() == written + 1


def test_a_signed_in_proposal_spends_the_accounts_budget_not_the_addresses(world, staff, settings):
    from .test_ballot import open_round
    from .test_livelihood_projects import proposal_data

    round_ = open_round(staff.supervisor)
    settings.PAGE_SUBMIT_LIMIT = 1
    url = reverse("livelihood:propose", args=[round_.year])
    resident = signed_in(staff.resident)
    assert resident.post(url, proposal_data(world)).status_code == 302
    assert resident.post(url, proposal_data(world)).status_code == 429
    assert signed_in(UserFactory(username="neighbour", role=Role.RESIDENT)).post(
        url, proposal_data(world)).status_code == 302


def test_every_signed_in_action_counts_against_the_accounts_hourly_budget(walk, staff, settings):
    settings.PAGE_ACTION_LIMIT = 3
    demand = walk(Status.ACCEPTED)
    url = reverse("demands:action", args=[demand.pk, "note"])
    handler = signed_in(staff.handler)

    statuses = [handler.post(url, {"note-text": f"第{n}次备注"}).status_code for n in range(4)]

    assert statuses[:3] == [302] * 3 and statuses[3] == 429
    assert DemandEvent.objects.filter(demand=demand, action="note").count() == 3
    # A colleague at the same address still works.
    colleague = signed_in(staff.dispatcher)
    assert colleague.post(reverse("notifications:read_all")).status_code == 302


def test_the_address_has_a_higher_ceiling_for_all_its_accounts(walk, staff, settings):
    settings.PAGE_ACTION_IP_LIMIT = 2
    read_all = reverse("notifications:read_all")
    assert signed_in(staff.handler).post(read_all).status_code == 302
    assert signed_in(staff.dispatcher).post(read_all).status_code == 302
    assert signed_in(staff.supervisor).post(read_all).status_code == 429
    assert signed_in(staff.supervisor, remote=ELSEWHERE).post(read_all).status_code == 302


def test_page_views_and_anonymous_posts_do_not_spend_the_action_budget(walk, staff, settings):
    settings.PAGE_ACTION_LIMIT = 1
    handler = signed_in(staff.handler)
    for _ in range(5):
        assert handler.get(reverse("demands:workbench")).status_code == 200
    assert handler.post(reverse("notifications:read_all")).status_code == 302


def test_a_session_api_call_over_the_budget_gets_the_api_error_format(walk, staff, settings):
    settings.PAGE_ACTION_LIMIT = 1
    demand = walk(Status.ACCEPTED)
    handler = signed_in(staff.handler)
    url = f"/api/v1/demands/{demand.pk}/note/"
    assert handler.post(url, {"text": "已联系"}, content_type="application/json").status_code == 200
    refused = handler.post(url, {"text": "再次联系"}, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
