"""Every word a person reads in an export is in the reader's language (issue 13): Chinese under the Chinese locale,
English when the user chose English; escalation levels in words; the department sheet says who holds what.

The exports are every view answering text/csv or a workbook (grep `text/csv` and `openpyxl`): the workbench list
(demands/exports.py) and the dashboard (supervise/export.py), each as CSV and as Excel.
"""

import csv
import io
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from demands.models import Demand
from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")  # "BZ" of a public number is a code, not a word
CHINESE = re.compile(r"[\u4e00-\u9fff]")

WORKBENCH = [("demands:export_csv", "csv"), ("demands:export_xlsx", "xlsx")]
DASHBOARD = [("supervise:export_csv", "csv"), ("supervise:export_xlsx", "xlsx")]


@pytest.fixture
def held_every_way(walk, world):
    """Demands a department, a grid and a deputy hold, one waiting for dispatch, one rejected; one overdue."""
    overdue = walk(Status.ACCEPTED)
    Demand.objects.filter(pk=overdue.pk).update(escalation_level=2)
    return [overdue, walk(Status.CLOSED), walk(Status.DISPATCHED, unit=world.grid),
            walk(Status.ACCEPTED, unit=world.deputy_record), walk(Status.RECEIVED), walk(Status.REJECTED)]


def reader(user, language: str) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def tables(client, name: str, kind: str) -> dict[str, list[list[str]]]:
    """{sheet or table title: rows of text cells} of one export."""
    response = client.get(reverse(name), {"tab": "all"} if name.startswith("demands:") else {})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "xlsx":
        book = load_workbook(io.BytesIO(body))
        return {sheet.title: [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
                for sheet in book.worksheets}
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    if name.startswith("demands:"):
        return {"": rows}
    result, title = {}, None  # the dashboard's CSV: a title line, the table, an empty line
    for row in rows:
        if title is None:
            title = row[0]
            result[title] = []
        elif not row:
            title = None
        else:
            result[title].append(row)
    return result


def english_words(exported: dict) -> list[str]:
    found = [title for title in exported if ENGLISH_WORD.search(title)]
    for rows in exported.values():
        found += [cell for row in rows for cell in row if ENGLISH_WORD.search(cell)]
    return found


@pytest.mark.parametrize("name,kind", WORKBENCH + DASHBOARD)
def test_under_the_chinese_locale_no_cell_or_sheet_name_holds_an_english_word(held_every_way, staff, name, kind):
    exported = tables(reader(staff.supervisor, "zh-hans"), name, kind)

    assert sum(len(rows) for rows in exported.values()) > 1
    assert english_words(exported) == []


@pytest.mark.parametrize("name,kind", WORKBENCH + DASHBOARD)
def test_under_english_every_header_and_sheet_name_is_english(held_every_way, staff, name, kind):
    exported = tables(reader(staff.supervisor, "en"), name, kind)

    headers = [rows[0] for rows in exported.values() if rows]
    assert headers and all(ENGLISH_WORD.search(cell) for row in headers for cell in row if cell)
    assert not [cell for row in headers for cell in row if CHINESE.search(cell)]
    assert not [title for title in exported if CHINESE.search(title)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_workbench_export_gives_the_escalation_level_in_words(held_every_way, staff, kind):
    name = f"demands:export_{kind}"
    overdue = held_every_way[0]
    [zh_rows] = tables(reader(staff.supervisor, "zh-hans"), name, kind).values()
    [en_rows] = tables(reader(staff.supervisor, "en"), name, kind).values()

    column = zh_rows[0].index("预警等级")
    levels = {row[0]: row[column] for row in zh_rows[1:]}
    assert levels[overdue.public_no] == "已超期"  # the dashboard's word for level 2 (figures.LEVEL_LABELS)
    assert set(levels.values()) == {"已超期", "无"}
    en_levels = {row[0]: row[en_rows[0].index("Escalation level")] for row in en_rows[1:]}
    assert en_levels[overdue.public_no] == "overdue" and set(en_levels.values()) == {"overdue", "none"}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_department_sheet_names_who_holds_the_demands_no_department_holds(held_every_way, staff, kind):
    exported = tables(reader(staff.supervisor, "zh-hans"), f"supervise:export_{kind}", kind)
    [title] = [t for t in exported if t.startswith("按承办部门")]
    rows = exported[title]

    received = {row[0]: int(row[1]) for row in rows[1:] if len(row) > 1 and row[1].isdigit()}
    assert received == {"区综合执法局": 2, "网格办理（非部门）": 1, "代表办理（非部门）": 1,
                        "未派单（待派、不予受理、合并或派单前撤回）": 2}
    assert "未设置" not in str(rows)
    assert any("只计该部门承办的诉求" in cell for row in rows for cell in row)  # the sheet says what it counts
    [figures_title] = [t for t in exported if t.startswith("指标")]
    headline = {row[0]: row[1] for row in exported[figures_title]}
    assert sum(received.values()) == int(headline["已收到"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dashboard_sheet_names_are_the_csv_titles_uncut(held_every_way, staff, language):
    client = reader(staff.supervisor, language)

    sheets = list(tables(client, "supervise:export_xlsx", "xlsx"))

    assert sheets == list(tables(client, "supervise:export_csv", "csv"))  # Excel's 31 characters cut none of them
