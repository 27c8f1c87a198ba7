"""办复率, 满意率, 解决率 (docs/figures.md#suggestion-figures) on a fixture whose values are worked out by hand.

Per (lead department, year), what is assigned, replied (class), and the LEAD proposer's evaluation:

  D1 2024: 4 assigned; replied A, B, B; lead: A satisfied, B dissatisfied, B basically satisfied
  D2 2024: 5 assigned; replied A, A, C; lead: A satisfied, C dissatisfied (a joint proposer says satisfied: not counted)
  D3 2024: 2 assigned; nothing replied
  D1 2025: 3 assigned; replied A, C;    lead: A satisfied, C dissatisfied
  D2 2025: 2 assigned; replied A, B;    lead: A satisfied, B basically satisfied (one closed afterwards)
  Not counted anywhere: a draft, a submitted and a withdrawn suggestion.

                 assigned replied  A  evaluated satisfied  办复率        满意率       解决率
  D1 2024          4        3      1     3        2        3/4 75.0%    2/3 66.7%   1/3 33.3%
  D2 2024          5        3      2     2        1        3/5 60.0%    1/2 50.0%   2/3 66.7%
  D3 2024          2        0      0     0        0        0/2 0.0%     —           —
  total 2024      11        6      3     5        3        6/11 54.5%   3/5 60.0%   3/6 50.0%
  total 2025       5        4      2     4        3        4/5 80.0%    3/4 75.0%   2/4 50.0%
  D1 all years     7        5      2     5        3        5/7 71.4%    3/5 60.0%   2/5 40.0%
  D2 all years     7        5      3     4        3        5/7 71.4%    3/4 75.0%   3/5 60.0%
  total           16       10      5     9        6        10/16 62.5%  6/9 66.7%   5/10 50.0%
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from suggestions import figures, services

from .conftest import PASSWORD
from .factories import DepartmentFactory, DeputyFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTENT = "案由：群众反映集中，问题长期存在。\n建议：由相关部门统筹研究解决。"


def at(year, month):
    return services.history_clock(timezone.make_aware(dt.datetime(year, month, 10, 10)))


@pytest.fixture
def fixture(world, staff):
    d1, d2 = world.department, world.other_department
    d3 = DepartmentFactory(name="巴州区民政局", short_name="区民政局")
    handlers = {d1.pk: staff.handler, d2.pk: staff.other_handler,
                d3.pk: UserFactory(username="handler_d3", role=Role.HANDLER, department=d3)}
    joint = UserFactory(username="joint", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township),
                        township=world.township)

    def make(dept, year, reply_class=None, lead=None, joint_rating=None, close=False, final=None):
        with at(year, 2):
            s = services.suggestion_draft(actor=staff.deputy, title=f"关于{dept.short_name}{year}年工作的建议",
                                          content=CONTENT, joint_deputies=[joint.deputy])
            if final == "draft":
                return
            services.suggestion_submit(suggestion_id=s.pk, actor=staff.deputy)
            services.suggestion_pass_review(suggestion_id=s.pk, actor=staff.supervisor)
            if final == "withdrawn":
                services.suggestion_withdraw(suggestion_id=s.pk, actor=staff.deputy)
            if final in ("submitted", "withdrawn"):
                return
            services.suggestion_assign(suggestion_id=s.pk, actor=staff.supervisor, lead_department=dept)
        if reply_class is None:
            return
        with at(year, 5):
            services.suggestion_reply(suggestion_id=s.pk, actor=handlers[dept.pk], reply_class=reply_class,
                                      text="经研究，答复如下。")
        with at(year, 6):
            if joint_rating:
                services.suggestion_evaluate(suggestion_id=s.pk, actor=joint, rating=joint_rating)
            if lead:
                services.suggestion_evaluate(suggestion_id=s.pk, actor=staff.deputy, rating=lead)
            if close:
                services.suggestion_close(suggestion_id=s.pk, actor=staff.supervisor)

    make(d1, 2024, "A", "satisfied", close=True)
    make(d1, 2024, "B", "dissatisfied")
    make(d1, 2024, "B", "basically_satisfied", joint_rating="dissatisfied")
    make(d1, 2024)
    make(d2, 2024, "A", "satisfied")
    make(d2, 2024, "A")
    make(d2, 2024, "C", "dissatisfied", joint_rating="satisfied", close=True)
    make(d2, 2024)
    make(d2, 2024)
    make(d3, 2024)
    make(d3, 2024)
    make(d1, 2025, "A", "satisfied")
    make(d1, 2025, "C", "dissatisfied")
    make(d1, 2025)
    make(d2, 2025, "A", "satisfied", close=True)
    make(d2, 2025, "B", "basically_satisfied")
    make(d1, 2025, final="draft")
    make(d1, 2025, final="submitted")
    make(d1, 2025, final="withdrawn")
    return d1, d2, d3


def rates(row):
    return (row.reply_rate.display, row.satisfaction.display, row.solution_rate.display)


def test_figures_per_department_for_one_year_equal_the_hand_computed_values(fixture):
    d1, d2, d3 = fixture
    rows = {row.key: row for row in figures.by_department(year=2024)}
    assert (rows[d1.pk].assigned, rows[d1.pk].replied, rows[d1.pk].class_a, rows[d1.pk].evaluated,
            rows[d1.pk].satisfied) == (4, 3, 1, 3, 2)
    assert rates(rows[d1.pk]) == ("75.0%", "66.7%", "33.3%")
    assert rates(rows[d2.pk]) == ("60.0%", "50.0%", "66.7%")
    assert rates(rows[d3.pk]) == ("0.0%", "—", "—")
    assert rates(figures.total(year=2024)) == ("54.5%", "60.0%", "50.0%")


def test_figures_per_department_over_all_years(fixture):
    d1, d2, d3 = fixture
    rows = {row.key: row for row in figures.by_department()}
    assert rates(rows[d1.pk]) == ("71.4%", "60.0%", "40.0%")
    assert rates(rows[d2.pk]) == ("71.4%", "75.0%", "60.0%")
    assert rates(rows[d3.pk]) == ("0.0%", "—", "—")
    total = figures.total()
    assert (total.assigned, total.replied, total.class_a, total.evaluated, total.satisfied) == (16, 10, 5, 9, 6)
    assert rates(total) == ("62.5%", "66.7%", "50.0%")


def test_figures_per_year_count_a_suggestion_in_its_submission_year(fixture):
    rows = {row.key: row for row in figures.by_year()}
    assert set(rows) == {2024, 2025}
    assert rates(rows[2024]) == ("54.5%", "60.0%", "50.0%")
    assert rates(rows[2025]) == ("80.0%", "75.0%", "50.0%")
    assert rows[2025].satisfaction.value == pytest.approx(3 / 4)


def test_a_rate_with_nothing_to_count_is_a_dash_never_zero(fixture):
    d1, d2, d3 = fixture
    row = {row.key: row for row in figures.by_department(year=2024)}[d3.pk]
    assert row.satisfaction.value is None and row.solution_rate.value is None
    assert rates(figures.total(year=2030)) == ("—", "—", "—")


def test_each_table_is_one_query(fixture, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures.by_department(year=2024)
    with django_assert_num_queries(1):
        figures.by_year()
    with django_assert_num_queries(1):
        figures.total()


def test_the_figures_page_shows_the_values_and_their_definitions(fixture, staff):
    client = Client()
    assert client.login(username=staff.supervisor.username, password=PASSWORD)
    page = client.get(reverse("suggestions:figures"), {"year": 2024}).content.decode()
    for value in ("75.0%", "66.7%", "33.3%", "60.0%", "50.0%", "54.5%", "—"):
        assert value in page
    d3_row = page.split("区民政局")[1].split("</tr>")[0]
    assert d3_row.count("—") == 2 and "0.0%" in d3_row
    assert "办复率" in page and "满意率" in page and "解决率" in page
    assert "80.0%" in page  # the per-year table covers 2025 too
    assert client.get(reverse("suggestions:figures"), {"year": "abc"}).status_code == 200


def test_the_figures_api_gives_null_for_an_empty_denominator(fixture, staff):
    d1, d2, d3 = fixture
    client = APIClient()
    client.force_authenticate(staff.handler)
    body = client.get("/api/v1/suggestions/figures/", {"year": 2024}).json()
    rows = {row["key"]: row for row in body["by_department"]}
    assert rows[d1.pk]["reply_rate"] == {"numerator": 3, "denominator": 4, "value": 0.75, "display": "75.0%"}
    assert rows[d3.pk]["satisfaction"]["value"] is None and rows[d3.pk]["satisfaction"]["display"] == "—"
    assert body["department_total"]["solution_rate"]["display"] == "50.0%"
    assert [row["key"] for row in body["by_year"]] == [2024, 2025]
    assert len(body["definitions"]) == 3
    assert client.get("/api/v1/suggestions/figures/", {"year": "1"}).status_code == 400
