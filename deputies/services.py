"""Changes to the deputies' side: duty records, receptions, and the deputy's own demand actions."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import InvalidInput

from .models import Deputy, DutyRecord


def duty_record_add(
    *, deputy: Deputy, kind: str, title: str, occurred_on: dt.date | None = None, detail: str = "",
    source: str = "", source_id: int | None = None, recorded_by=None,
) -> DutyRecord:
    """Add one entry to a deputy's archive. An entry with a source is written once: a replay returns the first."""
    errors = {}
    if kind not in DutyRecord.Kind.values:
        errors["kind"] = [_("Choose a kind of duty.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the record a title.")]
    occurred_on = occurred_on or timezone.localdate()
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("A duty record cannot be dated in the future.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    fields = {"kind": kind, "title": title[:200], "occurred_on": occurred_on, "detail": (detail or "").strip(),
              "recorded_by": recorded_by}
    if not source:
        return DutyRecord.objects.create(deputy=deputy, **fields)
    try:
        with transaction.atomic():
            return DutyRecord.objects.create(deputy=deputy, source=source, source_id=source_id, **fields)
    except IntegrityError:
        return DutyRecord.objects.get(deputy=deputy, source=source, source_id=source_id)
