"""Idempotent loading of reference rows: create what is missing, fix what differs, touch nothing else."""

from django.db import models


def sync_rows(model: type[models.Model], rows: list[dict], key: str = "code") -> dict[str, models.Model]:
    """Make `model` hold `rows` (matched on `key`); return every synced object by key."""
    wanted = {row[key]: row for row in rows}
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": list(wanted)})}
    to_create, to_update, changed_fields = [], [], set()
    for k, row in wanted.items():
        obj = existing.get(k)
        if obj is None:
            to_create.append(model(**row))
            continue
        for field, value in row.items():
            current = getattr(obj, field)
            if isinstance(value, models.Model):
                current, value_cmp = getattr(obj, f"{field}_id"), value.pk
            else:
                value_cmp = value
            if current != value_cmp and str(current) != str(value_cmp):
                setattr(obj, field, value)
                changed_fields.add(field)
                if obj not in to_update:
                    to_update.append(obj)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=1000)
    return {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": list(wanted)})}
