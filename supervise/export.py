"""The dashboard's figures as CSV and Excel: the headline figures with their definitions, then one table per
breakdown (township, department, category, channel, grid). Counts and rates only, never personal data."""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from core.spreadsheets import safe_cell, xlsx_cells

from . import registry
from .selectors import breakdown_rows, period_grouped

BREAKDOWNS = ["township", "department", "category", "channel", "grid"]


def _columns() -> list:
    """(key in a row of counts_as_dict, header): every count shown, rate and mean of the figure registry, in its
    order."""
    result = []
    for f in registry.FIGURES:
        if isinstance(f, registry.Count) and f.shown:
            result.append((f.name, f.label))
        elif isinstance(f, (registry.RateFigure, registry.MeanFigure)):
            result.append((f.name, f.export_label))
    return result


COLUMNS = _columns()
# Sheet names too (Excel allows 31 characters): every word here is read, so each goes through the catalogue.
BREAKDOWN_TITLES = {"township": N_("By township"), "department": N_("By department holding it"),
                    "category": N_("By category"), "channel": N_("By channel"), "grid": N_("By grid (busiest 20)")}
# What a breakdown counts when its title alone would mislead (figures: the department breakdown).
BREAKDOWN_NOTES = {
    "department": N_("Each department's row counts the demands it holds. Demands no department holds are on rows of "
                     "their own: held by a grid, held by a deputy, or not dispatched (waiting, rejected or merged)."),
}


def _cell(item):
    if "hours" in item:
        return item["hours"]
    if "display" in item:  # a rate: the share as a number, None when the denominator is zero
        return None if item["value"] is None else round(item["value"] * 100, 1)
    return item["value"]


def _header(label) -> str:
    return str(label)  # the registry's labels are translated lazily


def tables(viewer, filters, report) -> list[tuple[str, list[list]]]:
    """(title, rows) for each table; the first row of each is its header."""
    head = [[_("Figure"), _("Value"), _("Definition")]]
    names = {d["key"]: (d["name"], d["definition"]) for d in report["definitions"]}
    for key, header in COLUMNS:
        definition = names.get(key, ("", ""))[1]
        head.append([_header(header), _cell(report["figures"][key]), str(definition)])
    head.append([str(names["overdue"][0]), report["board"]["overdue"]["value"], str(names["overdue"][1])])
    for level in report["board"]["levels"]:  # figures.LEVEL_LABELS, in words as on the dashboard
        head.append([_("%(figure)s: %(level)s") % {"figure": names["escalation"][0], "level": level["label"]},
                     level["value"], ""])
    # Also the first sheet's name, which Excel cuts at 31 characters: short enough in either language.
    result = [(_("Figures %(start)s–%(end)s") % {"start": filters.date_from.isoformat(),
                                                 "end": filters.date_to.isoformat()}, head)]
    for by in BREAKDOWNS:  # the ledger answers where it can, as on the page
        grouped = period_grouped(viewer, filters, granularity=report["period"]["granularity"], by=by)
        rows = breakdown_rows(by, grouped.rows, filters.link_params())
        table = [[_("Name"), *(_header(h) for _k, h in COLUMNS)]]
        table += [[str(row["label"]), *(_cell(row[k]) for k, _h in COLUMNS)] for row in rows]
        if by in BREAKDOWN_NOTES:
            table += [[""], [_("Note"), _(BREAKDOWN_NOTES[by])]]
        result.append((_(BREAKDOWN_TITLES[by]), table))
    return result


def _filename(filters, ext: str) -> str:
    return f"dashboard-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.{ext}"


def csv_response(viewer, filters, report) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for title, rows in tables(viewer, filters, report):
        writer.writerow([safe_cell(title)])
        writer.writerows(["" if v is None else safe_cell(v) for v in row] for row in rows)
        writer.writerow([])
    # A byte-order mark so that Excel opens the Chinese text as UTF-8.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "csv")}"'
    return response


def xlsx_response(viewer, filters, report) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for index, (title, rows) in enumerate(tables(viewer, filters, report)):
        sheet = book.create_sheet(title=_sheet_title(title, index))
        for row in rows:
            sheet.append(xlsx_cells(sheet, row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "xlsx")}"'
    return response


def _sheet_title(title: str, index: int) -> str:
    cleaned = "".join(ch for ch in title if ch not in '[]:*?/\\')[:31]
    return cleaned or str(index + 1)

