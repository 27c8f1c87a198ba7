"""Deputies accountable to voters: the public profile (counts only), 履职积分 on a hand-computed fixture, and the
yearly report (代表述职) with its lifecycle on the engine and its public, rate-limited rating form."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from deputies import selectors, services
from deputies.models import AnnualReport, DutyRecord, ReportRating, ScoreRule, Term
from deputies.states import REPORT_TRANSITIONS, ReportAction, ReportStatus
from demands.states import Status

from .test_recording import signed_in

pytestmark = pytest.mark.django_db

DISTINCT_NAME = "欧阳翠花"
DISTINCT_PHONE = "13987654321"
DISTINCT_CONTENT = "紫藤巷十七号门前窨井盖缺失"
BODY = ("一年来，我参加区人大常委会组织的视察和调研五次，在东城街道代表之家接待选民十二次，"
        "提出关于背街小巷改造的建议两件，均已答复。明年我将继续关注老旧小区电梯加装和农贸市场管理。")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def last_year() -> int:
    return timezone.localdate().year - 1


def published(deputy_user, year=None) -> AnnualReport:
    report = services.report_write(actor=deputy_user, year=year or last_year(), body=BODY)
    return services.report_publish(report_id=report.pk, actor=deputy_user)


def rate(client, report, verdict="satisfied", comment=""):
    url = reverse("deputies_public:annual_report", args=[report.deputy.code, report.year])
    client.get(url)  # the page hands out the browser cookie the rating is keyed by
    return client.post(url, {"verdict": verdict, "comment": comment})


# ---------------------------------------------------------------- the public profile


def test_public_profile_shows_counts_by_kind_and_year_but_no_titles_or_residents_data(walk, world, deputy):
    deputy_row = world.deputy_record
    demand = walk(Status.CLOSED, contact_name=DISTINCT_NAME, contact_phone=DISTINCT_PHONE, content=DISTINCT_CONTENT)
    # Titles and details of duty records name demands and quote what residents wrote.
    for n in range(3):
        services.duty_record_add(deputy=deputy_row, kind=DutyRecord.Kind.DEMAND, occurred_on=dt.date(2025, 5, n + 1),
                                 title=f"答复诉求 {demand.public_no}", detail=f"{DISTINCT_NAME} {DISTINCT_CONTENT}")
    services.duty_record_add(deputy=deputy_row, kind=DutyRecord.Kind.INSPECTION, occurred_on=dt.date(2025, 6, 1),
                             title="视察紫藤巷背街小巷改造")
    report = published(deputy)
    rate(Client(), report, "basic", comment=f"我是{DISTINCT_NAME}，电话{DISTINCT_PHONE}")

    html = Client().get(reverse("deputies_public:deputy", args=[deputy_row.code])).content.decode()

    assert "履职情况" in html and "<th scope=\"row\">2025</th>" in html
    row_2025 = html.split('<th scope="row">2025</th>')[1].split("</tr>")[0]
    assert row_2025.count("<td>3</td>") == 1 and "<td>4</td>" in row_2025  # 3 demands; 4 records in all
    assert "1 人评价" in html and "100.0%" in html  # one rating, 基本满意 counts as satisfied
    for secret in (DISTINCT_NAME, DISTINCT_PHONE, DISTINCT_CONTENT, "紫藤巷", demand.public_no, demand.tracking_code):
        assert secret not in html
    report_page = Client().get(reverse("deputies_public:annual_report", args=[deputy_row.code, report.year]))
    assert "老旧小区电梯加装" in report_page.content.decode()
    assert DISTINCT_NAME not in report_page.content.decode() and DISTINCT_PHONE not in report_page.content.decode()


def test_a_draft_report_is_not_public(deputy, world):
    report = services.report_write(actor=deputy, year=last_year(), body=BODY)
    url = reverse("deputies_public:annual_report", args=[world.deputy_record.code, report.year])
    assert Client().get(url).status_code == 404
    assert "老旧小区电梯加装" not in Client().get(f"/d/{world.deputy_record.code}/").content.decode()


def test_the_score_rule_is_published(db):
    # Its own line: a flush by another module on this worker may have emptied the migration's defaults.
    ScoreRule.objects.update_or_create(item="inspection", defaults={"points": 4, "yearly_cap": 28})
    html = Client().get(reverse("deputies_public:score_rule")).content.decode()
    assert "视察调研" in html and "<td>4</td><td>28</td>" in html


# ---------------------------------------------------------------- 履职积分 on a hand-computed fixture


def set_rule():
    ScoreRule.objects.all().delete()
    for item, points, cap in [("meeting", 2, None), ("inspection", 3, 5), ("reception", 3, None),
                              ("annual_report", 10, None), ("report_done", 1, 20)]:
        ScoreRule.objects.create(item=item, points=points, yearly_cap=cap)


def test_duty_score_of_a_fixture_deputy_is_the_capped_sum(deputy, supervisor, world):
    set_rule()
    d = world.deputy_record
    for day in (3, 4, 5):
        services.duty_record_add(deputy=d, kind="meeting", occurred_on=dt.date(2025, 3, day), title="会议")  # 3×2 = 6
    for day in (6, 7):
        services.duty_record_add(deputy=d, kind="inspection", occurred_on=dt.date(2025, 4, day), title="视察")  # 6 → cap 5
    services.duty_record_add(deputy=d, kind="reception", occurred_on=dt.date(2025, 5, 1), title="接待")  # 3
    services.duty_record_add(deputy=d, kind="suggestion", occurred_on=dt.date(2025, 5, 2), title="建议")  # no rule: 0
    services.duty_record_add(deputy=d, kind="meeting", occurred_on=dt.date(2024, 12, 31), title="上一年")  # not 2025
    published(deputy, year=2025)  # 10
    published(deputy, year=2024)  # counts for 2024 only

    score = selectors.duty_scores([d.pk], 2025)[d.pk]

    assert [(line.count, line.earned) for line in score.lines] == [(3, 6), (2, 5), (1, 3), (0, 0), (1, 10)]
    assert score.total == 24
    assert selectors.duty_scores([d.pk], 2024)[d.pk].total == 2 + 10
    ranking = signed_in(supervisor).get(reverse("deputies:scores"), {"year": 2025}).content.decode()
    assert "<strong>24</strong>" in ranking
    Term.objects.create(name="本届", starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2028, 12, 31))
    book = signed_in(deputy).get(reverse("deputies:book", args=[d.code])).content.decode()
    assert "<strong>24</strong>" in book and "<strong>12</strong>" in book


def test_the_score_ranking_is_for_supervisors_only(deputy, resident):
    assert signed_in(deputy).get(reverse("deputies:scores")).status_code == 404
    assert signed_in(resident).get(reverse("deputies:scores")).status_code == 404


# ---------------------------------------------------------------- the yearly report's lifecycle


def report_in(status, deputy_user, supervisor) -> AnnualReport:
    report = services.report_write(actor=deputy_user, year=last_year(), body=BODY)
    if status in (ReportStatus.PUBLISHED, ReportStatus.CLOSED):
        services.report_publish(report_id=report.pk, actor=deputy_user)
    if status == ReportStatus.CLOSED:
        services.report_close(report_id=report.pk, actor=supervisor)
    report.refresh_from_db()
    assert report.status == status
    return report


def run(action, report, deputy_user, supervisor):
    if action == ReportAction.EDIT:
        services.report_edit(report_id=report.pk, actor=deputy_user, body=BODY + "补充。")
    elif action == ReportAction.PUBLISH:
        services.report_publish(report_id=report.pk, actor=deputy_user)
    elif action == ReportAction.RATE:
        services.report_rate(report_id=report.pk, actor=None, voter="v" * 64, verdict="satisfied")
    elif action == ReportAction.CLOSE:
        services.report_close(report_id=report.pk, actor=supervisor)


REFUSED = [(action, status) for action, (sources, _target) in REPORT_TRANSITIONS.items() if sources
           for status in ReportStatus.values if status not in sources]


@pytest.mark.parametrize("action,status", REFUSED)
def test_every_action_outside_the_table_is_refused_and_changes_nothing(action, status, deputy, supervisor):
    report = report_in(status, deputy, supervisor)
    before = (report.status, report.body, report.events.count(), report.ratings.count())
    # A draft does not exist for the public: rating it is the 404 of a missing report, checked before the state.
    refusal = NotFound if (action, status) == (ReportAction.RATE, ReportStatus.DRAFT) else TransitionNotAllowed
    with pytest.raises(refusal):
        run(action, report, deputy, supervisor)
    report.refresh_from_db()
    assert (report.status, report.body, report.events.count(), report.ratings.count()) == before


def test_a_report_is_written_published_rated_and_closed(deputy, supervisor, world):
    page = signed_in(deputy)
    response = page.post(reverse("deputies:reports"), {"year": last_year(), "body": BODY})
    report = AnnualReport.objects.get(deputy=world.deputy_record)
    assert response.status_code == 302 and report.status == ReportStatus.DRAFT
    assert page.post(reverse("deputies:report_publish", args=[report.pk])).status_code == 302
    assert rate(Client(), report, "dissatisfied", comment="希望多来小区走走").status_code == 302
    staff_page = signed_in(supervisor).get(reverse("deputies:report", args=[report.pk])).content.decode()
    assert "希望多来小区走走" in staff_page  # comments reach the deputy and the office only
    assert "希望多来小区走走" not in Client().get(f"/d/{world.deputy_record.code}/").content.decode()
    assert signed_in(supervisor).post(reverse("deputies:report_close", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED
    assert [e.action for e in report.events.all()] == ["write", "publish", "close"]
    closed = rate(Client(), report)
    assert closed.status_code == 409 and "评议已结束" in closed.content.decode()
    assert ReportRating.objects.count() == 1


def test_only_the_deputy_publishes_and_only_a_supervisor_closes(deputy, supervisor, world):
    report = report_in(ReportStatus.DRAFT, deputy, supervisor)
    with pytest.raises(NotPermitted):
        services.report_publish(report_id=report.pk, actor=supervisor)
    services.report_publish(report_id=report.pk, actor=deputy)
    with pytest.raises(NotPermitted):
        services.report_close(report_id=report.pk, actor=deputy)
    with pytest.raises(NotPermitted):
        services.report_rate(report_id=report.pk, actor=supervisor, voter="x" * 64, verdict="satisfied")


def test_another_deputy_does_not_see_a_draft(deputy, supervisor, world):
    from accounts.models import Role

    from .factories import DeputyFactory, UserFactory
    other = UserFactory(username="other_deputy", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township))
    report = report_in(ReportStatus.DRAFT, deputy, supervisor)
    with pytest.raises(NotFound):
        services.report_edit(report_id=report.pk, actor=other, body=BODY)
    assert signed_in(other).get(reverse("deputies:report", args=[report.pk])).status_code == 404


def test_a_report_that_is_too_short_too_long_or_has_a_nul_is_refused_in_chinese(deputy, world):
    page = signed_in(deputy)
    for body in ("太短了。", "长" * 5001, BODY + "\x00"):
        response = page.post(reverse("deputies:reports"), {"year": last_year(), "body": body})
        assert response.status_code == 400
        html = response.content.decode()
        assert any(word in html for word in ("至少", "最多", "空字符", "不超过", "确保")), html[-2000:]
    with pytest.raises(InvalidInput):
        services.report_write(actor=deputy, year=last_year(), body=BODY + "\x00")
    with pytest.raises(InvalidInput):
        services.report_write(actor=deputy, year=timezone.localdate().year + 1, body=BODY)
    assert not AnnualReport.objects.exists()


def test_one_report_per_year(deputy):
    services.report_write(actor=deputy, year=last_year(), body=BODY)
    with pytest.raises(TransitionNotAllowed):
        services.report_write(actor=deputy, year=last_year(), body=BODY)


# ---------------------------------------------------------------- the public rating form


def test_one_rating_per_browser_and_address(deputy):
    report = published(deputy)
    browser = Client()
    assert rate(browser, report).status_code == 302
    again = rate(browser, report, "dissatisfied")
    assert again.status_code == 409 and "已经评价过" in again.content.decode()
    assert list(ReportRating.objects.values_list("verdict", flat=True)) == ["satisfied"]


def test_one_browser_rates_once_even_from_another_address(deputy):
    report = published(deputy)
    url = reverse("deputies_public:annual_report", args=[report.deputy.code, report.year])
    browser = Client(REMOTE_ADDR="198.51.100.7")
    browser.get(url)
    assert browser.post(url, {"verdict": "satisfied"}).status_code == 302
    # The same phone on its mobile network: still the same browser.
    again = browser.post(url, {"verdict": "dissatisfied"}, REMOTE_ADDR="203.0.113.80")
    assert again.status_code == 409 and ReportRating.objects.count() == 1


def test_a_browsers_ratings_of_two_reports_cannot_be_linked_and_keep_neither_cookie_nor_address(deputy, world):
    from accounts.models import Role

    from .factories import DeputyFactory, UserFactory
    other = UserFactory(username="other_deputy", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township))
    browser = Client(REMOTE_ADDR="198.51.100.7")
    assert rate(browser, published(deputy)).status_code == 302
    assert rate(browser, published(other)).status_code == 302
    key = browser.cookies["rater"].value
    voters = list(ReportRating.objects.values_list("voter", flat=True))
    assert len(set(voters)) == 2
    assert not any(key in v or "198.51.100.7" in v for v in voters)


def test_the_rating_page_is_never_stored_by_a_shared_cache(deputy):
    report = published(deputy)
    response = Client().get(reverse("deputies_public:annual_report", args=[report.deputy.code, report.year]))
    # It hands this browser its own rater cookie: a proxy replaying it would make every visitor one rater.
    assert "rater" in response.cookies
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_staff_account_is_told_before_filling_the_form_in(deputy, supervisor):
    report = published(deputy)
    url = reverse("deputies_public:annual_report", args=[report.deputy.code, report.year])
    html = signed_in(supervisor).get(url).content.decode()
    assert "工作人员账号不参与评议" in html and 'name="verdict"' not in html
    assert 'name="verdict"' in Client().get(url).content.decode()


def test_a_rating_without_the_cookie_is_refused(deputy):
    report = published(deputy)
    url = reverse("deputies_public:annual_report", args=[report.deputy.code, report.year])
    response = Client().post(url, {"verdict": "satisfied"})
    assert response.status_code == 400 and "Cookie" in response.content.decode()
    assert not ReportRating.objects.exists()


@pytest.mark.parametrize("data,words", [
    ({"verdict": "great"}, "有效"),
    ({}, "必填"),
    ({"verdict": "satisfied", "comment": "好" * 301}, "300"),
    ({"verdict": "satisfied", "comment": "好\x00"}, "空字符"),
])
def test_bad_ratings_are_refused_with_a_chinese_message_and_change_nothing(deputy, data, words):
    report = published(deputy)
    url = reverse("deputies_public:annual_report", args=[report.deputy.code, report.year])
    browser = Client()
    browser.get(url)
    response = browser.post(url, data)
    assert response.status_code == 400 and words in response.content.decode()
    assert not ReportRating.objects.exists()


def test_the_public_rating_form_is_throttled(deputy, settings):
    settings.PAGE_SUBMIT_LIMIT = 2
    report = published(deputy)
    statuses = [rate(Client(), report).status_code for _n in range(3)]  # a new browser each time, one address
    assert statuses == [302, 302, 429]
    assert ReportRating.objects.count() == 2


# ---------------------------------------------------------------- 两个联系, 代表小组, 联系群众


def make_group(world, *members, leader=None):
    from deputies.models import DeputyGroup

    group = DeputyGroup.objects.create(name="东城街道代表小组", kind="township", township=world.township,
                                       leader=leader)
    group.members.set(members)
    return group


def test_a_group_activity_counts_once_in_the_archive_of_each_member_present(deputy, supervisor, world):
    from .factories import DeputyFactory
    absent = DeputyFactory(township=world.township)
    group = make_group(world, world.deputy_record, absent, leader=world.deputy_record)
    page = signed_in(deputy)
    response = page.post(reverse("deputies:group", args=[group.pk]), {
        "held_on": "2025-06-18", "kind": "inspection", "title": "视察莲花社区老旧小区改造",
        "participants": [world.deputy_record.pk]})
    assert response.status_code == 302
    activity = group.activities.get()
    records = DutyRecord.objects.filter(source="group_activity", source_id=activity.pk)
    assert [(r.deputy_id, r.kind) for r in records] == [(world.deputy_record.pk, "inspection")]
    services.duty_record_add(deputy=world.deputy_record, kind="inspection", title="重放", source="group_activity",
                             source_id=activity.pk)
    assert DutyRecord.objects.filter(source="group_activity").count() == 1  # written once
    profile = Client().get(f"/d/{world.deputy_record.code}/").content.decode()
    assert "东城街道代表小组" in profile and "2025 年 1 次活动" in profile


def test_only_the_leader_or_a_supervisor_logs_a_group_activity_and_outsiders_see_nothing(deputy, supervisor, world):
    from accounts.models import Role

    from .factories import DeputyFactory, UserFactory
    member = UserFactory(username="member_deputy", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township))
    outsider = UserFactory(username="outsider_deputy", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township))
    group = make_group(world, world.deputy_record, member.deputy, leader=world.deputy_record)
    data = {"held_on": "2025-06-18", "kind": "meeting", "title": "学习代表法", "participants": [member.deputy.pk]}
    assert signed_in(member).post(reverse("deputies:group", args=[group.pk]), data).status_code == 403
    assert signed_in(outsider).get(reverse("deputies:group", args=[group.pk])).status_code == 404
    assert signed_in(supervisor).post(reverse("deputies:group", args=[group.pk]), data).status_code == 302
    bad = signed_in(deputy).post(reverse("deputies:group", args=[group.pk]), {**data, "title": "学习\x00"})
    assert bad.status_code == 400
    assert group.activities.count() == 1


def test_contact_links_show_on_both_profiles(world):
    from deputies.models import ContactLink

    from .factories import DeputyFactory
    member = DeputyFactory(township=world.township, name="王常委", is_standing_member=True)
    ContactLink.objects.create(member=member, deputy=world.deputy_record)
    assert "王常委" in Client().get(f"/d/{world.deputy_record.code}/").content.decode()
    assert world.deputy_record.name in Client().get(f"/d/{member.code}/").content.decode()


def test_contact_coverage_on_a_hand_computed_fixture(deputy, supervisor, world, settings):
    from deputies.models import ConstituentContact, Deputy

    from .factories import DeputyFactory
    settings.DEPUTY_FIXED_CONTACTS_MIN = 10
    world.deputy_record.grids.set([world.grid, world.sibling_grid])
    page = signed_in(deputy)
    response = page.post(reverse("deputies:contacts"), {f"grid_{world.grid.pk}": 6,
                                                        f"grid_{world.sibling_grid.pk}": 4})
    assert response.status_code == 302
    short = DeputyFactory(township=world.township)
    ConstituentContact.objects.create(deputy=short, grid=world.grid, households=9)
    DeputyFactory(township=world.township, is_active=False)
    active = Deputy.objects.filter(is_active=True).count()  # the world's deputies, short one, none inactive

    coverage, _rows = selectors.contact_coverage(viewer=supervisor)

    assert (coverage.covered, coverage.deputies, coverage.households) == (1, active, 19)
    html = signed_in(supervisor).get(reverse("deputies:contacts")).content.decode()
    assert f"1 / {active}" in html
    assert "联系群众" in Client().get(f"/d/{world.deputy_record.code}/").content.decode()


def test_contacts_refuse_bad_numbers_and_other_grids(deputy, world):
    world.deputy_record.grids.set([world.grid])
    page = signed_in(deputy)
    response = page.post(reverse("deputies:contacts"), {f"grid_{world.grid.pk}": 5000})
    assert response.status_code == 400 and "2000" in response.content.decode()
    with pytest.raises(NotFound):
        services.contacts_set(actor=deputy, households={world.other_grid.pk: 3})
    assert not world.deputy_record.constituent_contacts.exists()


def test_the_admin_neither_adds_a_report_nor_rewrites_a_published_one(deputy, supervisor):
    report = published(deputy)
    supervisor.is_staff = supervisor.is_superuser = True
    supervisor.save()
    admin = signed_in(supervisor)
    assert admin.get(reverse("admin:deputies_annualreport_add")).status_code == 403
    url = reverse("admin:deputies_annualreport_change", args=[report.pk])
    page = admin.get(url)
    assert page.status_code == 200 and 'name="body"' not in page.content.decode()
    admin.post(url, {"deputy": report.deputy_id, "year": report.year, "body": "改写过的述职报告" * 10})
    report.refresh_from_db()
    assert report.body == BODY


def test_the_score_ranking_and_the_participation_page_cost_the_same_queries_for_more_deputies(supervisor, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import DeputyFactory
    page = signed_in(supervisor)

    def queries(url):
        page.get(url)  # warm the session and the per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert page.get(url).status_code == 200
        return len(captured)

    urls = [reverse("deputies:scores"), reverse("deputies:participation")]
    before = [queries(url) for url in urls]
    for n in range(6):
        d = DeputyFactory(township=world.township)
        services.duty_record_add(deputy=d, kind="meeting", occurred_on=timezone.localdate(), title=f"会议{n}")
    assert [queries(url) for url in urls] == before
