"""Exports never hand a spreadsheet a formula: what a resident or an administrator typed stays text (CSV injection)."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from demands.states import Status
from core.spreadsheets import safe_cell, xlsx_cells

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Starts a spreadsheet reads as a formula, including the full-width forms a Chinese input method types.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
HOSTILE = [
    ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0"),
    ("+1+cmd|' /C calc'!A0", "+SUM(1,1)"),
    ("-2+3+cmd|' /C calc'!A0", "-1+1"),
    ("@SUM(1+9)*cmd|' /C calc'!A0", "@SUM(1,1)"),
    ('\t=HYPERLINK("http://x","y")', "\r=1+1"),
    ('＝HYPERLINK("http://x","y")', "＋1＋1"),
    ("  =1+1 垃圾堆了三天", "＠SUM(1,1)"),
]


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def runs_as_formula(text: str) -> bool:
    return text.lstrip(" \u3000").startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS)


def csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def xlsx_book(content: bytes):
    return load_workbook(io.BytesIO(content))


def every_cell(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.fixture
def hostile(walk):
    return [walk(Status.DISPATCHED, content=content, contact_name=name) for content, name in HOSTILE]


@pytest.mark.parametrize("role", ["dispatcher", "handler"])  # masked names, and names shown in full
def test_the_workbench_csv_quotes_every_cell_a_spreadsheet_would_run(hostile, staff, role):
    response = login(getattr(staff, role)).get(reverse("demands:export_csv"), {"tab": "all"})

    cells = csv_cells(b"".join(response.streaming_content))
    assert not [cell for cell in cells if runs_as_formula(cell)]
    for demand in hostile:
        assert "'" + demand.content in cells  # still readable: the text behind one apostrophe


@pytest.mark.parametrize("role", ["dispatcher", "handler"])
def test_the_workbench_excel_file_holds_no_formula(hostile, staff, role):
    response = login(getattr(staff, role)).get(reverse("demands:export_xlsx"), {"tab": "all"})

    cells = every_cell(xlsx_book(b"".join(response.streaming_content)))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [text for text in texts if runs_as_formula(text)]
    assert "'" + HOSTILE[0][0] in texts


def test_the_contact_name_stays_text_when_masked(walk, staff):
    walk(Status.DISPATCHED, contact_name="=cmd|' /C calc'!A0")

    rows = list(csv.reader(io.StringIO(b"".join(
        login(staff.supervisor).get(reverse("demands:export_csv"), {"tab": "all"}).streaming_content
    ).decode("utf-8-sig"))))

    assert rows[1][-2] == "'=" + "*" * (len("=cmd|' /C calc'!A0") - 1)


def test_dashboard_exports_quote_a_hostile_township_name(walk, world, staff):
    world.township.name = '=HYPERLINK("http://x","y")'
    world.township.save()
    world.other_township.name = "@SUM(1+9)"
    world.other_township.save()
    walk(Status.CLOSED)
    walk(Status.RECEIVED, township=world.other_township)
    client = login(staff.dispatcher)

    cells = csv_cells(client.get("/staff/dashboard/export.csv").content)
    book = xlsx_book(client.get("/staff/dashboard/export.xlsx").content)

    assert "'" + world.township.name in cells
    assert not [cell for cell in cells if runs_as_formula(cell)]
    assert not [c.coordinate for c in every_cell(book) if c.data_type == "f"]
    assert "'@SUM(1+9)" in [c.value for c in every_cell(book)]


def test_numbers_stay_numbers_and_only_text_is_quoted():
    sheet = Workbook().active

    assert [safe_cell(v) for v in (-3, -0.5, 0, None, "-3", "王秀英", "a=b")] == [-3, -0.5, 0, None, "'-3", "王秀英",
                                                                               "a=b"]
    negative, text, error, _none = xlsx_cells(sheet, [-3, "=1+1", "#N/A", None])
    assert (negative.value, negative.data_type) == (-3, "n")
    assert (text.value, text.data_type) == ("'=1+1", "s")
    assert (error.value, error.data_type) == ("#N/A", "s")  # not an error cell either
