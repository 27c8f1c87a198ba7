"""Cells for the CSV and Excel exports: what a resident typed is shown as text and never run as a formula.

A content or name starting with = + - @ (or a tab or carriage return, which Excel skips before looking) becomes a
formula when the file is opened: =HYPERLINK(...) leaks data, =cmd|'...'!A0 runs a program (OWASP "CSV
injection"). Every exporter writes its cells through `safe_cell` (CSV) or `xlsx_cells` (Excel).
"""

import unicodedata

from django.utils.functional import Promise
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING, Cell

# What a spreadsheet reads as the start of a formula; full-width ＝＋－＠ (a Chinese input method's default) and
# the small forms fold to these under NFKC, as Excel and WPS fold them when a cell is edited.
FORMULA_START = frozenset("=+-@")
# Skipped before the first character is looked at: Excel and LibreOffice may trim them when importing.
LEADING = " \t\r\n\u3000"


def needs_quoting(text: str) -> bool:
    if text[:1] in ("\t", "\r", "\n"):
        return True
    head = text.lstrip(LEADING)[:1]
    return bool(head) and unicodedata.normalize("NFKC", head)[:1] in FORMULA_START


def safe_cell(value):
    """Text a spreadsheet could run gets a leading apostrophe; numbers, dates and other text pass unchanged."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and needs_quoting(value):
        return "'" + value
    return value


def xlsx_cells(sheet, values) -> list:
    """A row of Excel cells; text is typed as a string, so no cell is ever stored as a formula or an error code."""
    cells = []
    for value in values:
        if isinstance(value, (str, Promise)):
            # Control characters make openpyxl refuse the whole export; they carry nothing a reader needs.
            value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        value = safe_cell(value)
        if value is None:
            cells.append(None)
            continue
        cell = Cell(sheet, row=1, column=1, value=value)  # append() moves it to its place
        if isinstance(value, str):
            cell.data_type = TYPE_STRING  # openpyxl would store "#N/A" as an error and "=…" as a formula
        cells.append(cell)
    return cells
