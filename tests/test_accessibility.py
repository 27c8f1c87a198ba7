"""The resident's pages are usable with a screen reader: every form field has a label, and axe-core (WCAG 2 A/AA)
finds no serious or critical problem on them in a real Chromium."""

import datetime as dt
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from demands.states import Status
from deputies.models import Station
from livelihood import services as ballot_services

from .browser import axe_report, axe_violations, browser, expect, goto, new_page, shoot, zh  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # rate-limit counters and cached statistics of earlier tests
    yield
    cache.clear()


@pytest.fixture
def site(world, staff, walk):
    """Everything the resident's pages show: a station, a verified demand waiting for its rating, an open ballot."""
    station = Station.objects.create(
        code="LL011", name="东城街道莲花社区人大代表联络站", kind=Station.Kind.STATION, township=world.township,
        community=world.grid.community, address="巴州区东城街道莲花社区党群服务中心", reception_weekdays="4",
        convener=world.deputy_record, phone="0827-5221234")
    station.members.set([world.deputy_record])
    world.deputy_record.grids.add(world.grid)
    demand = walk(Status.VERIFIED, category=world.category, grid=world.grid, community=world.grid.community)
    now = timezone.now()
    day = dt.timedelta(days=1)
    ballot_services.round_open(actor=staff.supervisor, year=now.year + 1, title=f"{now.year + 1}年巴州区民生实事项目票决",
                               seats=2, proposals_open_at=now - day, proposals_close_at=now + day,
                               voting_opens_at=now + 2 * day, voting_closes_at=now + 3 * day)
    pages = {
        "home": "/",
        "submit": "/submit/",
        "receipt": f"/track/{demand.tracking_code}/receipt/",
        "track": "/track/",
        "track-result": f"/track/{demand.tracking_code}/",
        "rate": f"/rate/{demand.rating_token}/",
        "deputy": f"/d/{world.deputy_record.code}/",
        "station": f"/s/{station.code}/",
        "grid": f"/g/{world.grid.code}/",
        "stations": "/stations/",
        "stats": "/stats/",
        "stats-township": f"/stats/{world.township.code}/",
        "ballot": "/ballot/",
        "inquiries": "/inquiries/",
        "inquiry-topic": "/inquiries/propose/",
        "login": "/accounts/login/",
    }
    return SimpleNamespace(pages=pages, demand=demand)


# ---------------------------------------------------------------- labels, from the HTML alone

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class FieldLabels(HTMLParser):
    """Collects the form fields a person fills in and whether each has a label a screen reader announces."""

    def __init__(self):
        super().__init__()
        self.fields, self.label_for, self.open_labels = [], set(), 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in {"input", "select", "textarea"}:
            if tag == "input" and (a.get("type") or "text").lower() in UNLABELLED_TYPES:
                return
            if "hidden" in a or a.get("aria-hidden") == "true":
                return
            named = bool((a.get("aria-label") or "").strip() or a.get("aria-labelledby"))
            self.fields.append({"tag": tag, "name": a.get("name"), "id": a.get("id"),
                                "labelled": named or self.open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label" and self.open_labels:
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        return [f"<{f['tag']} name={f['name']!r} id={f['id']!r}>" for f in self.fields
                if not f["labelled"] and f["id"] not in self.label_for]


def unlabelled_fields(html: str) -> list[str]:
    parser = FieldLabels()
    parser.feed(html)
    return parser.unlabelled()


def test_every_field_on_the_residents_pages_has_a_label(site):
    client = Client()
    missing, fields = {}, 0
    for name, path in site.pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.content.decode()
        parser = FieldLabels()
        parser.feed(html)
        fields += len(parser.fields)
        if parser.unlabelled():
            missing[name] = parser.unlabelled()
    assert not missing, missing
    assert fields > 40  # the pages really have forms: submit, landing pages, lookup, rating, ballot, login


def test_fields_of_a_submit_form_with_errors_keep_their_labels(site):
    response = Client().post("/submit/", {"content": "", "township": ""})
    assert response.status_code == 400
    assert unlabelled_fields(response.content.decode()) == []


def test_the_label_check_notices_a_field_without_a_label():
    html = ('<label for="a">A</label><input id="a"><label>B <input name="b"></label>'
            '<input aria-label="C"><select name="d"></select><input type="hidden" name="e">')
    assert unlabelled_fields(html) == ["<select name='d' id=None>"]


# ---------------------------------------------------------------- axe-core in Chromium


def test_axe_finds_no_serious_problem_on_the_residents_pages(site, live_server, browser, settings):
    page = new_page(browser, phone=True)
    found = {}

    def check(name):
        if violations := axe_violations(page):
            found[name] = violations
            shoot(page, f"a11y-{name}")

    for name, path in site.pages.items():
        goto(page, live_server.url + path)
        check(name)
    # The submit form as it comes back with errors: the messages must be announced and legible too.
    goto(page, live_server.url + "/submit/")
    page.get_by_role("button", name=zh("Submit"), exact=True).click()
    expect(page.locator(".error[role=alert]").first).to_be_visible()
    check("submit-errors")
    # The page a resident sees after looking up too many codes.
    settings.PAGE_TRACK_LIMIT = 0
    goto(page, f"{live_server.url}/track/{site.demand.tracking_code}/", status=429)
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Too many requests"))
    check("too-many-requests")
    page.context.close()
    assert not found, axe_report(found)
