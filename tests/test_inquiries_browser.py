"""The special inquiry pages fit a 390 px phone in a real Chromium: the public record, the topic form, and the
staff pages with their forms, over long texts."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from inquiries import services
from inquiries.states import Status

from .browser import browser, expect, goto, new_page, zh  # noqa: F401 (browser is a fixture)
from .conftest import PASSWORD
from .test_inquiries import today, walk_to

LONG = ("巴州区东城街道莲花社区菜市场东门口的三个垃圾桶已经满了三天没人清运希望环卫部门尽快安排清运并增加清运频次"
        "https://example.org/a-very-long-link-without-any-break-that-someone-pasted-from-a-chat-app")


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # login counters of earlier tests share the loopback address with the browser
    yield
    cache.clear()


def _fits(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_inquiry_pages_fit_a_phone(world, staff, live_server, browser):
    closed = walk_to(Status.CLOSED, staff, world)
    following = walk_to(Status.FOLLOWING_UP, staff, world)
    services.inquiry_commit(inquiry_id=following.pk, actor=staff.supervisor, department=world.department, text=LONG,
                            due_on=today() + dt.timedelta(days=3))
    topic = services.topic_propose(actor=None, title="学校周边停车难" * 4, description=LONG,
                                   contact_phone="13987654321")
    page = new_page(browser, phone=True)
    too_wide = {}
    for url in (reverse("inquiries_public:list"), reverse("inquiries_public:detail", args=[closed.pk]),
                reverse("inquiries_public:propose")):
        goto(page, f"{live_server.url}{url}")
        if _fits(page) > 390:
            too_wide[url] = _fits(page)
    goto(page, f"{live_server.url}/accounts/login/")
    page.get_by_label(zh("Username")).fill(staff.supervisor.username)
    page.get_by_label(zh("Password")).fill(PASSWORD)
    page.get_by_role("button", name=zh("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for url in (reverse("inquiries:list"), reverse("inquiries:detail", args=[following.pk]),
                reverse("inquiries:topic", args=[topic.pk]), reverse("inquiries:new"),
                reverse("inquiries:topic_new")):
        goto(page, f"{live_server.url}{url}")
        if _fits(page) > 390:
            too_wide[url] = _fits(page)
    assert not too_wide, too_wide
