"""Exports of a workbench list: the same rows as the page, streamed, with personal data masked as on the page."""

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_holds_the_filtered_list_a_township_dispatcher_sees(walk, world, staff):
    mine = [walk(Status.RECEIVED), walk(Status.CLOSED)]
    walk(Status.RECEIVED, township=world.other_township)
    response = login(staff.township_dispatcher).get(reverse("demands:export_csv"), {"tab": "all"})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(response)
    assert {r[0] for r in rows[1:]} == {d.public_no for d in mine}
    assert not any(d.tracking_code in str(rows) for d in mine)
    closed_only = csv_rows(login(staff.township_dispatcher).get(reverse("demands:export_csv"),
                                                                {"tab": "all", "status": "closed"}))
    assert [r[0] for r in closed_only[1:]] == [mine[1].public_no]


def test_contact_data_is_masked_for_those_not_handling_the_demand(walk, staff):
    demand = walk(Status.RESOLVED)
    supervisor_rows = csv_rows(login(staff.supervisor).get(reverse("demands:export_csv"), {"tab": "all"}))
    handler_rows = csv_rows(login(staff.handler).get(reverse("demands:export_csv"), {"tab": "all"}))
    assert supervisor_rows[1][-2:] == ["王**", "138****5678"]
    assert handler_rows[1][0] == demand.public_no and handler_rows[1][-2:] == ["王秀英", "13812345678"]
    assert demand.tracking_code not in str(handler_rows) + str(supervisor_rows)
    assert "13812345678" not in str(supervisor_rows)


def test_excel_export_opens_and_matches_the_list(walk, staff):
    demands = [walk(Status.DISPATCHED) for _ in range(3)]
    response = login(staff.dispatcher).get(reverse("demands:export_xlsx"), {"tab": "all"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(numbers) == sorted(d.public_no for d in demands)
    cells = str(list(sheet.iter_rows(values_only=True)))
    assert not any(d.tracking_code in cells for d in demands)


def test_exports_need_a_login_and_show_nothing_outside_ones_scope(walk, staff):
    walk(Status.DISPATCHED)
    assert Client().get(reverse("demands:export_csv")).status_code == 302
    rows = csv_rows(login(staff.other_handler).get(reverse("demands:export_csv"), {"tab": "all"}))
    assert rows[1:] == []


@pytest.mark.parametrize("name", ["demands:export_csv", "demands:export_xlsx"])
def test_an_export_costs_no_query_per_row(walk, staff, world, name):
    client = login(staff.supervisor)  # masked contact on every row; units of all three kinds

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name), {"tab": "all"})
            b"".join(response.streaming_content)
        return len(captured)

    walk(Status.RESOLVED)
    few = queries()
    for unit in (world.department, world.grid, world.deputy_record):
        walk(Status.DISPATCHED, unit=unit)
        walk(Status.CLOSED, unit=unit)
    assert queries() == few
