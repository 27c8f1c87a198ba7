"""The yearly satisfaction evaluation of departments and public service units (满意度测评) and rectification (整改):
the two lifecycles on the shared engine, the sheet's figures against the dashboard's, ratings once, the public form's
limits, no personal data in public, and the threshold that makes rectification due."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from demands import services as demand_services
from demands.models import Demand
from demands.models import Rating as DemandRating
from demands.states import Status
from evaluations import selectors, services
from evaluations.models import (
    DeputyRating,
    Rating,
    Rectification,
    RectificationEvent,
    ResidentRating,
    Round,
    RoundEvent,
    Sheet,
    UnitKind,
)
from evaluations.states import (
    RECTIFICATION_TRANSITIONS,
    ROUND_TRANSITIONS,
    RectificationAction,
    RectificationStatus,
    RoundAction,
    RoundStatus,
)
from suggestions import services as suggestion_services

from .conftest import PASSWORD
from .factories import DepartmentFactory, UserFactory

YEAR = timezone.localdate().year
DISTINCT_NAME, DISTINCT_PHONE, DISTINCT_CONTENT = "欧阳翠花", "13987654321", "紫藤巷十七号门前窨井盖缺失"
DISTINCT_COMMENT = "窗口的张科长态度很差，我电话13711112222"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def new_round(supervisor, *units, public=(), **kwargs) -> Round:
    return services.round_create(actor=supervisor, year=kwargs.pop("year", YEAR), units=units,
                                 public_service_units=public, **kwargs)


def walk_round(target, supervisor, *units, **kwargs) -> Round:
    """A round brought to `target` through the services."""
    round_ = new_round(supervisor, *units, **kwargs)
    for action, state in ((services.round_open, RoundStatus.OPEN), (services.round_count, RoundStatus.COUNTED),
                          (services.round_publish, RoundStatus.PUBLISHED), (services.round_close, RoundStatus.CLOSED)):
        if round_.status == target:
            break
        round_ = action(round_id=round_.pk, actor=supervisor)
    assert round_.status == target
    return round_


def sheet_of(round_, department) -> Sheet:
    return round_.sheets.get(department=department)


# ---------------------------------------------------------------- the round's lifecycle


def _round_call(action, round_, staff, world):
    sheet = round_.sheets.first()
    calls = {
        RoundAction.OPEN: lambda: services.round_open(round_id=round_.pk, actor=staff.supervisor),
        RoundAction.COUNT: lambda: services.round_count(round_id=round_.pk, actor=staff.supervisor),
        RoundAction.PUBLISH: lambda: services.round_publish(round_id=round_.pk, actor=staff.supervisor),
        RoundAction.CLOSE: lambda: services.round_close(round_id=round_.pk, actor=staff.supervisor),
        RoundAction.RATE_DEPUTY: lambda: services.rate_as_deputy(round_id=round_.pk, actor=staff.deputy,
                                                                 sheet_id=sheet.pk, rating=Rating.SATISFIED),
        RoundAction.RATE_RESIDENT: lambda: services.rate_as_resident(
            round_id=round_.pk, actor=None, sheet_id=sheet.pk, rating=Rating.SATISFIED, browser_key="b" * 32),
    }
    return calls[action]()


ROUND_STATES = list(RoundStatus.values)
ROUND_FORBIDDEN = [(a, s) for a in ROUND_TRANSITIONS if a != RoundAction.CREATE for s in ROUND_STATES
                   if s not in ROUND_TRANSITIONS[a][0]]
ROUND_ALLOWED = [(a, s) for a in ROUND_TRANSITIONS if a != RoundAction.CREATE for s in ROUND_TRANSITIONS[a][0]]


def _round_fingerprint(round_):
    round_.refresh_from_db()
    return (round_.status, round_.updated_at, RoundEvent.objects.filter(round=round_).count(),
            DeputyRating.objects.count(), ResidentRating.objects.count(), Rectification.objects.count(),
            tuple(round_.sheets.order_by("pk").values_list("score", "below_threshold")))


@pytest.mark.parametrize(("action", "state"), ROUND_FORBIDDEN, ids=[f"{a}-from-{s}" for a, s in ROUND_FORBIDDEN])
def test_round_action_outside_the_table_is_refused_and_changes_nothing(action, state, staff, world):
    round_ = walk_round(state, staff.supervisor, world.department)
    before = _round_fingerprint(round_)
    with pytest.raises((TransitionNotAllowed, NotFound)) as refusal:
        _round_call(action, round_, staff, world)
    if isinstance(refusal.value, NotFound):
        # Scope comes before state: a draft does not exist for deputies and residents.
        assert action.startswith("rate") and state == RoundStatus.DRAFT
    else:
        assert "不能" in str(refusal.value.message) or "没有开放" in str(refusal.value.message)
    assert _round_fingerprint(round_) == before


@pytest.mark.parametrize(("action", "state"), ROUND_ALLOWED, ids=[f"{a}-from-{s}" for a, s in ROUND_ALLOWED])
def test_round_action_inside_the_table_moves_to_its_target(action, state, staff, world):
    round_ = walk_round(state, staff.supervisor, world.department)
    events = RoundEvent.objects.filter(round=round_).count()
    _round_call(action, round_, staff, world)
    round_.refresh_from_db()
    assert round_.status == (ROUND_TRANSITIONS[action][1] or state)
    # A rating is recorded by its row, never by an event with a time beside the rater.
    assert RoundEvent.objects.filter(round=round_).count() == events + (0 if action.startswith("rate") else 1)


def test_only_district_staff_run_the_round(staff, world):
    with pytest.raises(NotPermitted):
        new_round(staff.handler, world.department)
    round_ = new_round(staff.supervisor, world.department)
    township_supervisor = UserFactory(username="township_supervisor", role=Role.SUPERVISOR, township=world.township)
    with pytest.raises(NotPermitted):  # follows the rounds, does not run them
        services.round_open(round_id=round_.pk, actor=township_supervisor)
    for outsider in (staff.handler, staff.dispatcher):  # a draft does not exist for them
        with pytest.raises(NotFound):
            services.round_open(round_id=round_.pk, actor=outsider)
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.DRAFT


def test_a_second_round_for_the_same_year_is_refused(staff, world):
    new_round(staff.supervisor, world.department)
    with pytest.raises(TransitionNotAllowed):
        new_round(staff.supervisor, world.other_department)
    assert Round.objects.count() == 1 and Sheet.objects.count() == 1


def test_units_are_marked_by_kind(staff, world):
    round_ = new_round(staff.supervisor, world.department, world.other_department, public=[world.other_department])
    assert sheet_of(round_, world.department).kind == UnitKind.DEPARTMENT
    assert sheet_of(round_, world.other_department).kind == UnitKind.PUBLIC_SERVICE


# ---------------------------------------------------------------- the sheet equals the dashboard


@pytest.fixture
def year_of_figures(walk, staff, world):
    """For the department: two closed (satisfied, basically satisfied), one resolved late, one accepted; one held
    by a grid (not the department's); two suggestions it leads, one replied with class A."""
    walk(Status.CLOSED)
    basically = walk(Status.VERIFIED)
    demand_services.demand_rate(demand_id=basically.pk, actor=_resident_of(basically),
                                rating=DemandRating.BASICALLY_SATISFIED)
    late = walk(Status.RESOLVED)
    Demand.objects.filter(pk=late.pk).update(resolve_deadline=late.resolved_at - dt.timedelta(hours=1))
    walk(Status.ACCEPTED)
    walk(Status.CLOSED, unit=world.grid)
    for title, reply in (("关于菜市场垃圾清运的建议", True), ("关于背街小巷保洁的建议", False)):
        s = suggestion_services.suggestion_draft(actor=staff.deputy, title=title, category=world.category,
                                                 content="案由：垃圾清运不及时。建议：增加清运班次。")
        suggestion_services.suggestion_submit(suggestion_id=s.pk, actor=staff.deputy)
        suggestion_services.suggestion_pass_review(suggestion_id=s.pk, actor=staff.supervisor)
        suggestion_services.suggestion_assign(suggestion_id=s.pk, actor=staff.supervisor,
                                              lead_department=world.department)
        if reply:
            suggestion_services.suggestion_reply(suggestion_id=s.pk, actor=staff.handler, reply_class="A",
                                                 text="已增加清运班次。")


def _resident_of(demand):
    from core.actors import ResidentActor
    return ResidentActor(demand.pk)


def test_the_sheet_shows_the_hand_counted_figures_of_the_year(year_of_figures, world):
    figures = selectors.sheet_figures(world.department, YEAR)
    assert figures == {
        "received": 4, "closed": 2,
        "resolution_rate": [2, 2],  # both closed demands solved
        "on_time_rate": [2, 3],  # three resolved, one after its deadline
        "satisfaction": [2, 2],  # satisfied + basically satisfied of two rated
        "rework_rate": [0, 3],
        "reply_rate": [1, 2],  # two assigned, one replied
        "solution_rate": [1, 1],  # class A of those replied
    }


def test_the_sheet_equals_the_dashboard_for_the_department_and_the_year(year_of_figures, staff, world):
    answer = login(staff.supervisor).get("/api/v1/dashboard/", {
        "department": world.department.pk, "date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31"})
    assert answer.status_code == 200
    dashboard = answer.json()["figures"]
    sheet = selectors.sheet_figures(world.department, YEAR)
    assert sheet["received"] == dashboard["received"]["value"]
    assert sheet["closed"] == dashboard["closed"]["value"]
    for name in selectors.DEMAND_RATES:
        assert sheet[name] == [dashboard[name]["numerator"], dashboard[name]["denominator"]], name


def test_a_round_of_many_units_shows_each_units_own_figures_in_a_constant_number_of_queries(
        year_of_figures, staff, world):
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department, world.other_department)
    services.rate_as_deputy(round_id=round_.pk, actor=staff.deputy, sheet_id=sheet_of(round_, world.department).pk,
                            rating=Rating.BASICALLY)
    views = {view.sheet.department_id: view for view in selectors.round_sheets(round_)}
    for department in (world.department, world.other_department):
        assert views[department.pk].figures == selectors.sheet_figures(department, YEAR)
    assert views[world.department.pk].figures["received"] == 4
    assert views[world.department.pk].deputies == {"satisfied": 0, "basically": 1, "dissatisfied": 0}
    assert views[world.other_department.pk].deputy_total == 0

    def queries():
        with CaptureQueriesContext(connection) as captured:
            selectors.round_sheets(Round.objects.get(pk=round_.pk))
        return len(captured)

    two_units = queries()
    for _ in range(4):
        Sheet.objects.create(round=round_, department=DepartmentFactory())
    assert queries() == two_units


def test_a_counted_sheet_keeps_the_figures_of_its_year(year_of_figures, staff, world, walk):
    round_ = walk_round(RoundStatus.COUNTED, staff.supervisor, world.department)
    walk(Status.CLOSED)  # later demands of the same year do not move a counted sheet
    view = selectors.sheet_view(sheet_of(round_, world.department))
    assert view.figures["received"] == 4 and dict(view.rates)["on_time_rate"].display == "66.7%"


# ---------------------------------------------------------------- the composite score and the threshold


def test_the_composite_score_weighs_figures_deputies_and_residents_as_documented():
    figures = {"resolution_rate": [1, 2], "on_time_rate": [3, 4], "satisfaction": [0, 0], "rework_rate": [1, 4],
               "reply_rate": [1, 1], "solution_rate": [0, 1]}
    # Figures: (0.5 + 0.75 + 0.75 + 1 + 0) / 5 = 60; deputies (100 + 60) / 2 = 80; no residents: weights 40 : 40.
    result = selectors.composite(figures, {"satisfied": 1, "basically": 1, "dissatisfied": 0}, {})
    assert result.score == Decimal("70.0") and result.rated_satisfaction == Decimal("100.0")
    # Residents added: (40·60 + 40·80 + 20·0) / 100 = 56; satisfied 2 of 3 raters.
    result = selectors.composite(figures, {"satisfied": 1, "basically": 1, "dissatisfied": 0},
                                 {"satisfied": 0, "basically": 0, "dissatisfied": 1})
    assert result.score == Decimal("56.0") and result.rated_satisfaction == Decimal("66.7")
    assert selectors.composite({}, {}, {}).score is None


def test_publishing_makes_rectification_due_exactly_for_the_units_below_the_threshold(staff, world):
    good, low_score, unrated, low_satisfaction = (
        world.department, world.other_department, DepartmentFactory(name="巴州区医疗保障局", short_name="区医保局"),
        DepartmentFactory(name="巴州区供电公司", short_name="区供电公司"))
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, good, low_score, unrated, low_satisfaction,
                        min_score=Decimal(70), min_satisfaction=Decimal(60))
    for unit, rating in ((good, Rating.SATISFIED), (low_score, Rating.DISSATISFIED), (low_satisfaction,
                                                                                       Rating.SATISFIED)):
        services.rate_as_deputy(round_id=round_.pk, actor=staff.deputy, sheet_id=sheet_of(round_, unit).pk,
                                rating=rating)
    # Residents: one satisfied, two dissatisfied. Score (40·100 + 20·33.3) / 60 = 77.8 passes; 2 of 4 satisfied fails.
    for i, rating in enumerate((Rating.SATISFIED, Rating.DISSATISFIED, Rating.DISSATISFIED)):
        services.rate_as_resident(round_id=round_.pk, actor=None, sheet_id=sheet_of(round_, low_satisfaction).pk,
                                  rating=rating, browser_key=f"browser-{i}-" + "x" * 20)
    services.round_count(round_id=round_.pk, actor=staff.supervisor)
    assert not Rectification.objects.exists()  # due once the results are published
    services.round_publish(round_id=round_.pk, actor=staff.supervisor)
    scores = {s.department_id: (s.score, s.rated_satisfaction, s.below_threshold) for s in round_.sheets.all()}
    assert scores[good.pk] == (Decimal("100.0"), Decimal("100.0"), False)
    assert scores[low_score.pk] == (Decimal("0.0"), Decimal("0.0"), True)
    assert scores[unrated.pk] == (None, None, False)
    assert scores[low_satisfaction.pk] == (Decimal("77.8"), Decimal("50.0"), True)
    assert set(Rectification.objects.values_list("sheet__department", flat=True)) == {low_score.pk,
                                                                                     low_satisfaction.pk}
    assert RectificationEvent.objects.filter(action=RectificationAction.CREATE).count() == 2


# ---------------------------------------------------------------- deputies rate once


def test_a_deputy_rates_each_unit_once_and_a_second_rating_is_refused(staff, world):
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    sheet = sheet_of(round_, world.department)
    client = login(staff.deputy)
    page = client.get(f"/staff/evaluations/{YEAR}/rate/")
    assert page.status_code == 200 and world.department.name in page.content.decode()
    first = client.post(f"/staff/evaluations/{YEAR}/rate/", {"unit": sheet.pk, "rating": "basically"})
    assert first.status_code == 302
    second = client.post(f"/staff/evaluations/{YEAR}/rate/", {"unit": sheet.pk, "rating": "dissatisfied"})
    assert second.status_code == 409
    assert "您已评价过" in second.content.decode()
    assert list(DeputyRating.objects.values_list("rating", flat=True)) == ["basically"]


def test_a_deputy_cannot_rate_before_the_round_opens_nor_rate_a_unit_of_another_round(staff, world):
    round_ = new_round(staff.supervisor, world.department)
    other = walk_round(RoundStatus.OPEN, staff.supervisor, world.other_department, year=YEAR - 1)
    with pytest.raises(NotFound):  # a draft is not there for deputies yet
        services.rate_as_deputy(round_id=round_.pk, actor=staff.deputy, sheet_id=round_.sheets.get().pk,
                                rating=Rating.SATISFIED)
    with pytest.raises(InvalidInput):
        services.rate_as_deputy(round_id=other.pk, actor=staff.deputy, sheet_id=round_.sheets.get().pk,
                                rating=Rating.SATISFIED)
    assert not DeputyRating.objects.exists()


def test_only_deputies_rate_on_the_deputies_page(staff, world):
    walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    assert login(staff.handler).get(f"/staff/evaluations/{YEAR}/rate/").status_code == 404
    with pytest.raises(NotPermitted):
        services.rate_as_deputy(round_id=Round.objects.get().pk, actor=staff.handler,
                                sheet_id=Sheet.objects.get().pk, rating=Rating.SATISFIED)


# ---------------------------------------------------------------- residents rate through the public form


def test_a_resident_rates_anonymously_once_per_unit_from_one_browser(client, staff, world):
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    sheet = sheet_of(round_, world.department)
    page = client.get(f"/evaluations/{YEAR}/")
    assert page.status_code == 200 and world.department.name in page.content.decode()
    # The browser's key is its own: no shared cache may keep the answer that sets it.
    assert "evaluation_browser" in page.cookies and "no-store" in page["Cache-Control"]
    sent = client.post(f"/evaluations/{YEAR}/rate/", {"unit": sheet.pk, "rating": "satisfied",
                                                      "comment": "办事效率高"})
    assert sent.status_code == 302
    again = client.post(f"/evaluations/{YEAR}/rate/", {"unit": sheet.pk, "rating": "dissatisfied"})
    assert again.status_code == 409 and "您已评价过" in again.content.decode()
    assert list(ResidentRating.objects.values_list("rating", "comment")) == [("satisfied", "办事效率高")]
    assert "您已评价过该单位" in client.get(f"/evaluations/{YEAR}/").content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"rating": ""}, "请选择您对该单位的满意程度"),
    ({"rating": "excellent"}, "请选择您对该单位的满意程度"),
    ({"rating": "satisfied", "comment": "很好" * 200}, "300"),
    ({"rating": "satisfied", "comment": "好\x00"}, "空字符"),
    ({"rating": "satisfied", "unit": "999999"}, "请选择本轮测评中的单位"),
    ({"rating": "satisfied", "unit": "abc"}, "整数"),
])
def test_bad_input_on_the_public_form_is_refused_in_chinese_and_changes_nothing(client, staff, world, data, message):
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    response = client.post(f"/evaluations/{YEAR}/rate/", {"unit": sheet_of(round_, world.department).pk, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ResidentRating.objects.exists()


def test_the_public_form_is_throttled_per_address(client, staff, world, settings):
    settings.EVALUATION_RATE_LIMIT = 2
    units = [DepartmentFactory() for _ in range(3)]
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, *units)
    answers = []
    for unit in units:  # a fresh browser each time: the address limit still holds
        client.cookies.clear()
        client.get(f"/evaluations/{YEAR}/")
        answers.append(client.post(f"/evaluations/{YEAR}/rate/", {"unit": sheet_of(round_, unit).pk,
                                                                  "rating": "satisfied"}).status_code)
    assert answers == [302, 302, 429]
    assert ResidentRating.objects.count() == 2


def test_a_post_without_the_browsers_cookie_is_refused_and_a_second_post_cannot_rate_again(client, staff, world):
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    data = {"unit": sheet_of(round_, world.department).pk, "rating": "satisfied"}
    for _ in range(2):  # a client that drops cookies never gets a rating in, let alone two
        client.cookies.clear()
        refused = client.post(f"/evaluations/{YEAR}/rate/", data)
        assert refused.status_code == 400 and "请允许本网站使用 Cookie 后再评价" in refused.content.decode()
    assert not ResidentRating.objects.exists()
    # The refusal hands the browser its key, so a real browser's retry goes through, once.
    assert client.post(f"/evaluations/{YEAR}/rate/", data).status_code == 302
    assert client.post(f"/evaluations/{YEAR}/rate/", data).status_code == 409
    assert ResidentRating.objects.count() == 1


def test_staff_accounts_do_not_rate_as_residents(staff, world):
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    response = login(staff.handler).post(f"/evaluations/{YEAR}/rate/", {
        "unit": sheet_of(round_, world.department).pk, "rating": "dissatisfied"})
    assert response.status_code == 403 and not ResidentRating.objects.exists()


def test_a_draft_round_is_not_public(client, staff, world):
    new_round(staff.supervisor, world.department)
    assert client.get(f"/evaluations/{YEAR}/").status_code == 404
    assert client.get("/evaluations/").status_code == 200


# ---------------------------------------------------------------- published: results without personal data


def test_the_published_results_show_figures_and_ratings_but_no_personal_data(client, walk, staff, world):
    demand = walk(Status.CLOSED, contact_name=DISTINCT_NAME, contact_phone=DISTINCT_PHONE, content=DISTINCT_CONTENT,
                  address="紫藤巷17号")
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    sheet = sheet_of(round_, world.department)
    services.rate_as_deputy(round_id=round_.pk, actor=staff.deputy, sheet_id=sheet.pk, rating=Rating.SATISFIED,
                            comment=DISTINCT_COMMENT)
    services.rate_as_resident(round_id=round_.pk, actor=None, sheet_id=sheet.pk, rating=Rating.DISSATISFIED,
                              comment=DISTINCT_COMMENT, browser_key="k" * 32)
    services.round_count(round_id=round_.pk, actor=staff.supervisor)
    assert client.get(f"/evaluations/{YEAR}/").status_code == 404  # counted, not yet published
    services.round_publish(round_id=round_.pk, actor=staff.supervisor)
    html = client.get(f"/evaluations/{YEAR}/").content.decode()
    assert world.department.name in html and "100.0%" in html  # 化解率 of its one closed demand
    assert "1 / 0 / 0" in html and "0 / 0 / 1" in html  # deputies' and residents' counts
    for secret in (DISTINCT_NAME, DISTINCT_PHONE, DISTINCT_CONTENT, "紫藤巷", demand.tracking_code, demand.reply,
                   DISTINCT_COMMENT, "13711112222", staff.deputy.deputy.name, "张科长"):
        assert secret not in html


def test_the_export_has_the_figures_and_no_comment_and_no_formula(staff, world):
    world.department.name = "=HYPERLINK(\"http://x\")"
    world.department.save()
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    services.rate_as_resident(round_id=round_.pk, actor=None, sheet_id=sheet_of(round_, world.department).pk,
                              rating=Rating.SATISFIED, comment=DISTINCT_COMMENT, browser_key="k" * 32)
    client = login(staff.supervisor)
    body = client.get(f"/staff/evaluations/{YEAR}/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[2][0].startswith("'=")
    assert DISTINCT_COMMENT not in body and staff.deputy.deputy.name not in body
    # The staff read the comment on the round page, without who wrote it.
    assert DISTINCT_COMMENT in client.get(f"/staff/evaluations/{YEAR}/").content.decode()
    xlsx = client.get(f"/staff/evaluations/{YEAR}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert login(staff.handler).get(f"/staff/evaluations/{YEAR}/export.csv").status_code == 404


# ---------------------------------------------------------------- rectification


@pytest.fixture
def due(staff, world):
    """A published round in which the department fell below the threshold: its rectification is open."""
    round_ = walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    services.rate_as_deputy(round_id=round_.pk, actor=staff.deputy, sheet_id=sheet_of(round_, world.department).pk,
                            rating=Rating.DISSATISFIED)
    services.round_count(round_id=round_.pk, actor=staff.supervisor)
    services.round_publish(round_id=round_.pk, actor=staff.supervisor)
    return Rectification.objects.get()


def _rectification_call(action, rectification, staff):
    pk = rectification.pk
    return {
        RectificationAction.PLAN: lambda: services.rectification_plan(rectification_id=pk, actor=staff.handler,
                                                                      plan="一个月内整改窗口服务。"),
        RectificationAction.INTERVIEW: lambda: services.rectification_interview(
            rectification_id=pk, actor=staff.supervisor, held_on=timezone.localdate(),
            held_by="区人大常委会副主任王明；该局局长", notes="指出问题，要求限期整改。"),
        RectificationAction.VERIFY: lambda: services.rectification_verify(rectification_id=pk, actor=staff.supervisor,
                                                                          verification="回访群众，问题已整改。"),
    }[action]()


def walk_rectification(target, rectification, staff):
    for action in (RectificationAction.PLAN, RectificationAction.INTERVIEW, RectificationAction.VERIFY):
        if rectification.status == target:
            break
        rectification = _rectification_call(action, rectification, staff)
    assert rectification.status == target
    return rectification


RECT_FORBIDDEN = [(a, s) for a in RECTIFICATION_TRANSITIONS if a != RectificationAction.CREATE
                  for s in RectificationStatus.values if s not in RECTIFICATION_TRANSITIONS[a][0]]


@pytest.mark.parametrize(("action", "state"), RECT_FORBIDDEN, ids=[f"{a}-from-{s}" for a, s in RECT_FORBIDDEN])
def test_rectification_action_outside_the_table_is_refused_and_changes_nothing(action, state, due, staff):
    rectification = walk_rectification(state, due, staff)
    rectification.refresh_from_db()
    before = (rectification.status, rectification.updated_at, rectification.plan, rectification.events.count())
    with pytest.raises(TransitionNotAllowed) as refusal:
        _rectification_call(action, rectification, staff)
    assert "不能" in str(refusal.value.message)
    rectification.refresh_from_db()
    assert (rectification.status, rectification.updated_at, rectification.plan,
            rectification.events.count()) == before


def test_the_unit_plans_the_staff_record_the_interview_and_verify(due, staff, world):
    handler = login(staff.handler)
    assert world.department.name in handler.get("/staff/evaluations/rectifications/").content.decode()
    planned = handler.post(f"/staff/evaluations/rectifications/{due.pk}/plan/", {"plan-plan": "一个月内整改窗口服务。"})
    assert planned.status_code == 302
    assert "整改方案已提交" in handler.get(planned["Location"]).content.decode()
    # Another unit's handlers do not see it; the unit does not record its own interview.
    assert login(staff.other_handler).get(f"/staff/evaluations/rectifications/{due.pk}/").status_code == 404
    refused = handler.post(f"/staff/evaluations/rectifications/{due.pk}/interview/", {
        "interview-held_on": timezone.localdate().isoformat(), "interview-held_by": "局长", "interview-notes": "说明"})
    assert refused.status_code == 403
    supervisor = login(staff.supervisor)
    future = supervisor.post(f"/staff/evaluations/rectifications/{due.pk}/interview/", {
        "interview-held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "interview-held_by": "王明", "interview-notes": "要求限期整改"})
    assert future.status_code == 400 and "不能是将来的日期" in future.content.decode()
    held = supervisor.post(f"/staff/evaluations/rectifications/{due.pk}/interview/", {
        "interview-held_on": timezone.localdate().isoformat(), "interview-held_by": "区人大常委会副主任王明；该局局长",
        "interview-notes": "指出问题，要求限期整改。"})
    assert held.status_code == 302
    # The round stays open for closing until every rectification is verified.
    with pytest.raises(TransitionNotAllowed):
        services.round_close(round_id=due.sheet.round_id, actor=staff.supervisor)
    done = supervisor.post(f"/staff/evaluations/rectifications/{due.pk}/verify/",
                           {"verify-verification": "回访群众，问题已整改。"})
    assert done.status_code == 302
    due.refresh_from_db()
    assert due.status == RectificationStatus.DONE and due.interview_by.startswith("区人大")
    assert list(due.events.values_list("action", flat=True)) == ["create", "plan", "interview", "verify"]
    services.round_close(round_id=due.sheet.round_id, actor=staff.supervisor)


def test_staff_pages_show_the_round_and_refuse_outsiders(staff, world):
    walk_round(RoundStatus.OPEN, staff.supervisor, world.department)
    page = login(staff.supervisor).get(f"/staff/evaluations/{YEAR}/")
    assert page.status_code == 200 and world.department.name in page.content.decode()
    assert login(staff.handler).get(f"/staff/evaluations/{YEAR}/").status_code == 404
    refused = login(staff.supervisor).post(f"/staff/evaluations/{YEAR}/publish/")
    assert refused.status_code == 409 and "不能" in refused.content.decode()


# ---------------------------------------------------------------- the demo


@pytest.mark.django_db(transaction=True)
def test_the_demo_publishes_last_years_round_rated_by_the_figures_and_opens_this_years():
    from django.core.management import call_command

    from evaluations import demo

    call_command("seed_bazhou", demands=600)
    last, this = Round.objects.get(year=YEAR - 1), Round.objects.get(year=YEAR)
    assert last.status == RoundStatus.PUBLISHED and this.status == RoundStatus.OPEN
    sheets = list(last.sheets.all())
    assert all(s.deputy_counts and sum(s.deputy_counts.values()) > 0 for s in sheets)
    # Ratings follow the figures: units ranked worse by their own figures are rated worse by deputies.
    by_figures = sorted((s for s in sheets if selectors.composite(s.figures, {}, {}).score is not None),
                        key=lambda s: -selectors.composite(s.figures, {}, {}).score)
    share = [s.deputy_counts["dissatisfied"] / sum(s.deputy_counts.values()) for s in by_figures]
    assert min(share[-2:]) > max(share[:3])
    due = Rectification.objects.filter(sheet__round=last)
    assert 1 <= due.count() <= 2 and set(due.values_list("sheet__below_threshold", flat=True)) == {True}
    assert last.sheets.filter(below_threshold=True).count() == due.count()
    assert due.filter(status=RectificationStatus.INTERVIEWED).count() == 1
    assert Sheet.objects.filter(round=last, kind=UnitKind.PUBLIC_SERVICE).exists()
    counts = (DeputyRating.objects.count(), ResidentRating.objects.count(), Rectification.objects.count())
    demo.seed_demo()
    assert (DeputyRating.objects.count(), ResidentRating.objects.count(), Rectification.objects.count()) == counts
