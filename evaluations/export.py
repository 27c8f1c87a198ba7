"""A round's sheets as CSV and Excel for supervisors: each unit's figures, the ratings counted, the score and
whether it must rectify. Counts and rates only: no rater, no comment, no personal data."""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.spreadsheets import safe_cell, xlsx_cells

from . import selectors
from .models import Rating


def _percent(rate):
    return None if rate.value is None else round(rate.value * 100, 1)


def rows(round_) -> list[list]:
    header = [_("Unit"), _("Kind of unit"), _("Received"), _("Closed"),
              *(f"{selectors.RATE_LABELS[n]} %" for n in selectors.RATES)]
    for who in (_("Deputies"), _("Residents")):
        header += [f"{who}: {label}" for _value, label in Rating.choices]
    header += [_("Composite score"), _("Rated satisfaction (%)"), _("Below the threshold")]
    result = [header]
    for view in selectors.round_sheets(round_):
        rates = dict(view.rates)
        row = [view.sheet.department.name, view.sheet.get_kind_display(), view.figures.get("received", 0),
               view.figures.get("closed", 0), *(_percent(rates[n]) for n in selectors.RATES)]
        row += [view.deputies.get(value, 0) for value in Rating.values]
        row += [view.residents.get(value, 0) for value in Rating.values]
        row += [None if view.result.score is None else float(view.result.score),
                None if view.result.rated_satisfaction is None else float(view.result.rated_satisfaction),
                _("yes") if view.below else _("no")]
        result.append(row)
    return result


def response(round_, fmt: str) -> HttpResponse:
    table = rows(round_)
    name = f"evaluation-{round_.year}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([safe_cell(round_.title)])
        writer.writerows(["" if v is None else safe_cell(v) for v in row] for row in table)
        # A byte-order mark so that Excel opens the Chinese text as UTF-8.
        body = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = str(round_.year)
        for row in table:
            sheet.append(xlsx_cells(sheet, row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 32
        buffer = io.BytesIO()
        book.save(buffer)
        body = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    body["Content-Disposition"] = f'attachment; filename="{name}"'
    return body
