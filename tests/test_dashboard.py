"""The dashboard page, its JSON API and exports: who may open them, what they count, where the numbers link."""

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demands.models import Channel
from demands.states import Status

from .conftest import PASSWORD

URL = "/staff/dashboard/"
API = "/api/v1/dashboard/"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def some(walk, world):
    """Demands in both townships: 3 closed and 1 accepted in world.township, 2 received in the other."""
    made = [walk(Status.CLOSED), walk(Status.CLOSED), walk(Status.CLOSED, channel=Channel.HOTLINE),
            walk(Status.ACCEPTED)]
    made += [walk(Status.RECEIVED, township=world.other_township) for _ in range(2)]
    return made


def listed_count(client, link) -> int:
    response = client.get(link)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.parametrize("role", ["handler", "deputy", "grid_worker", "resident"])
def test_other_roles_get_404(client, staff, role):
    login(client, getattr(staff, role))
    assert client.get(URL).status_code == 404
    assert client.get(API).status_code == 404
    assert client.get(URL + "export.csv").status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client.get(API).status_code in (401, 403)


@pytest.mark.parametrize("role", ["dispatcher", "township_dispatcher", "supervisor"])
def test_dispatchers_and_supervisors_may_open_it(client, staff, role):
    login(client, getattr(staff, role))
    assert client.get(URL).status_code == 200
    assert client.get(API).status_code == 200


def test_township_dispatcher_counts_only_their_township(client, staff, some):
    login(client, staff.township_dispatcher)
    # 4 in world.township; the 2 in the other township are not theirs
    assert client.get(API).json()["figures"]["received"]["value"] == 4
    client.logout()
    login(client, staff.dispatcher)
    assert client.get(API).json()["figures"]["received"]["value"] == 6


def test_township_dispatcher_cannot_widen_the_scope_with_a_filter(client, staff, some, world):
    login(client, staff.township_dispatcher)
    response = client.get(API, {"township": world.other_township.pk})
    assert response.status_code == 422


def test_received_closed_and_rate_links_list_exactly_what_they_count(client, staff, some):
    login(client, staff.dispatcher)
    figures = client.get(API).json()["figures"]
    assert listed_count(client, figures["received"]["link"]) == figures["received"]["value"] == 6
    assert listed_count(client, figures["closed"]["link"]) == figures["closed"]["value"] == 3
    rate = figures["resolution_rate"]
    assert listed_count(client, rate["numerator_link"]) == rate["numerator"] == 3
    assert listed_count(client, figures["satisfied"]["link"]) == figures["satisfied"]["value"] == 3
    assert listed_count(client, figures["on_time"]["link"]) == figures["on_time"]["value"]


def test_breakdown_and_trend_links_list_exactly_what_they_count(client, staff, some, world):
    login(client, staff.dispatcher)
    report = client.get(API, {"by": "channel"}).json()
    rows = {row["key"]: row for row in report["breakdown"]["rows"]}
    assert rows["hotline"]["received"]["value"] == 1
    assert listed_count(client, rows["hotline"]["received"]["link"]) == 1
    assert listed_count(client, rows["web"]["closed"]["link"]) == rows["web"]["closed"]["value"] == 2
    today = [row for row in report["trend"] if row["received"]["value"]]
    assert listed_count(client, today[0]["received"]["link"]) == today[0]["received"]["value"] == 6
    by_township = client.get(API, {"by": "township"}).json()["breakdown"]["rows"]
    other = next(row for row in by_township if row["key"] == world.other_township.pk)
    assert listed_count(client, other["received"]["link"]) == other["received"]["value"] == 2


def test_overdue_link_lists_the_overdue_demands(client, staff, some):
    late = some[3]
    type(late).objects.filter(pk=late.pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=2))
    login(client, staff.dispatcher)
    board = client.get(API).json()["board"]
    assert board["overdue"]["value"] == 1
    assert listed_count(client, board["overdue"]["link"]) == 1


def test_page_shows_the_same_numbers_as_the_api(client, staff, some):
    login(client, staff.dispatcher)
    data = client.get(API, {"by": "channel"}).json()
    page = client.get(URL, {"by": "channel"})
    report = page.context["report"]
    assert report["figures"] == data["figures"]
    assert report["breakdown"]["rows"] == data["breakdown"]["rows"]
    html = page.content.decode()
    assert f'href="{data["figures"]["closed"]["link"].replace("&", "&amp;")}">3</a>' in html


def test_page_embeds_chart_data_and_works_without_it(client, staff, some):
    login(client, staff.dispatcher)
    html = client.get(URL).content.decode()
    assert 'id="dashboard-data"' in html and "dashboard.js" in html
    assert "<table" in html  # every charted number is also in a table


def test_bad_dates_get_a_message_not_an_error(client, staff, world):
    login(client, staff.dispatcher)
    assert client.get(URL, {"date_from": "2026-13-45"}).status_code == 400
    assert client.get(URL, {"date_from": "2026-05-01", "date_to": "2026-04-01"}).status_code == 400
    response = client.get(API, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 422 and "date_from" in response.json()["fields"]


def test_csv_export_holds_the_figures_and_breakdowns(client, staff, some):
    login(client, staff.dispatcher)
    response = client.get(URL + "export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = {row[0]: row[1] for row in rows if len(row) >= 2}
    from django.utils.translation import gettext as _

    assert values[_("Received")] == "6"
    assert values[_("Closed")] == "3"
    assert len([row for row in rows if len(row) == 1 and row[0]]) == 6  # figures + five breakdown tables


def test_xlsx_export_opens_and_holds_the_figures(client, staff, some):
    from openpyxl import load_workbook
    from django.utils.translation import gettext as _

    login(client, staff.dispatcher)
    response = client.get(URL + "export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6
    first = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert first[_("Received")] == 6 and first[_("Closed")] == 3
    townships = list(book.worksheets[1].iter_rows(values_only=True))
    assert sum(row[1] for row in townships[1:]) == 6


def test_exports_hold_no_personal_data(client, staff, some):
    login(client, staff.dispatcher)
    body = client.get(URL + "export.csv").content.decode("utf-8-sig")
    assert "王秀英" not in body and "13812345678" not in body and some[0].tracking_code not in body


def test_data_endpoint_runs_a_constant_number_of_queries(client, staff, walk, world):
    login(client, staff.dispatcher)
    walk(Status.CLOSED)
    walk(Status.ACCEPTED)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(API, {"by": "grid"}).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(3):
        walk(Status.CLOSED)
        walk(Status.ACCEPTED, unit=world.grid)
        walk(Status.RECEIVED, township=world.other_township)
    late = walk(Status.ACCEPTED)
    type(late).objects.filter(pk=late.pk).update(escalation_level=2)
    more = queries()
    # the same queries whatever the data: +1 at most, for the oldest list of a level that was empty before
    assert more <= few + 1


def test_oldest_overdue_list_has_no_personal_data(client, staff, some):
    late = some[3]
    type(late).objects.filter(pk=late.pk).update(escalation_level=2)
    login(client, staff.dispatcher)
    html = client.get(URL).content.decode()
    assert late.public_no in html and late.tracking_code not in html
    assert "王秀英" not in html and "13812345678" not in html and late.content[:10] not in html


def test_trend_buckets_follow_the_period_length(client, staff, world):
    login(client, staff.dispatcher)
    today = timezone.localdate()
    short = client.get(API, {"date_from": (today - dt.timedelta(days=10)).isoformat()}).json()
    assert short["period"]["granularity"] == "day" and len(short["trend"]) == 11
    year = client.get(API, {"date_from": (today - dt.timedelta(days=364)).isoformat()}).json()
    assert year["period"]["granularity"] == "month"
    weekly = client.get(API, {"date_from": (today - dt.timedelta(days=364)).isoformat(), "granularity": "week"})
    assert weekly.json()["period"]["granularity"] == "week"
    assert urlsplit(weekly.json()["trend"][0]["received"]["link"]).path == reverse("demands:workbench")
