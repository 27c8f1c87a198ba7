"""CSV and Excel exports of any workbench list, streamed so that a district-wide list never sits in memory.

The rows are exactly the page's (same tab, same filters, same scope). Name and phone are masked on every row
the viewer is not handling, as on the page.
"""

import csv
import datetime as dt
import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from core.spreadsheets import safe_cell, xlsx_cells

from .escalation import LEVEL_NAMES
from .filters import workbench_filterset
from .permissions import can_see_personal_data
from .templatetags.demand_tags import mask_name, mask_phone

CHUNK = 2000


def _columns():
    return [
        (_("Demand number"), lambda d: d.public_no),
        (_("Status"), lambda d: d.get_status_display()),
        (_("Type"), lambda d: d.get_type_display()),
        (_("Category"), lambda d: str(d.category) if d.category_id else ""),
        (_("Urgency"), lambda d: d.get_urgency_display()),
        (_("Channel"), lambda d: d.get_channel_display()),
        (_("Township"), lambda d: d.township.name if d.township_id else ""),
        (_("Grid"), lambda d: d.grid.name if d.grid_id else ""),
        (_("Unit"), lambda d: str(d.unit) if d.unit else ""),
        (_("Received at"), lambda d: d.created_at),
        (_("Resolve by"), lambda d: d.resolve_deadline),
        (_("Escalation level"), lambda d: str(LEVEL_NAMES.get(d.escalation_level, d.escalation_level))),
        (_("Resolved at"), lambda d: d.resolved_at),
        (_("Outcome"), lambda d: d.get_outcome_display() if d.outcome else ""),
        (_("Rating"), lambda d: d.get_rating_display() if d.rating else ""),
        (_("Closed at"), lambda d: d.closed_at),
        (_("Content"), lambda d: d.content),
    ]


def _contact(viewer, demand) -> tuple[str, str]:
    if can_see_personal_data(viewer, demand):
        return demand.contact_name, demand.contact_phone
    return mask_name(demand.contact_name), mask_phone(demand.contact_phone)


def _local(value):
    if isinstance(value, dt.datetime):
        # Spreadsheets have no time zones: write the portal's local time, without its offset.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _rows(request):
    # The CSV rows are written while the response streams, after the view has returned: the request's language is
    # taken now and held while they are written, whatever the thread's language is by then.
    language = translation.get_language()

    def rows():
        with translation.override(language):
            filterset, _waiting = workbench_filterset(request)
            columns = _columns()
            yield [name for name, _get in columns] + [_("Contact name"), _("Contact phone")]
            for demand in filterset.qs.iterator(chunk_size=CHUNK):
                yield [_local(get(demand)) for _name, get in columns] + list(_contact(request.user, demand))

    return rows()


def _filename(ext: str) -> str:
    return f"demands-{timezone.localtime():%Y%m%d-%H%M}.{ext}"


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value):
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) else safe_cell(value)


@login_required
@require_GET
def export_csv(request):
    writer = csv.writer(_Echo())
    rows = _rows(request)  # now, in the request's language

    def lines():
        yield "\ufeff"  # a byte-order mark, so that Excel reads the Chinese as UTF-8
        for row in rows:
            yield writer.writerow([_csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@login_required
@require_GET
def export_xlsx(request):
    # A write-only workbook keeps rows on disk as they are written; the finished file is streamed back.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Demand list"))
    for row in _rows(request):
        sheet.append(xlsx_cells(sheet, row))
    spool = tempfile.TemporaryFile()
    book.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=_filename("xlsx"),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
