"""Texts stored before demands had public numbers named them by tracking code (inbox titles, sent messages, duty
records, suggestion grounds). The code is the resident's credential, so each one becomes the public number."""

import re

from django.db import migrations
from django.utils import timezone

from demands.codes import ALPHABET, public_number

CODE = re.compile(rf"[{ALPHABET}]{{3}}(?:-[{ALPHABET}]{{3}}){{5}}")
CODE_SQL = rf"[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}-"  # enough to find candidates in the database
CHUNK = 500

TEXTS = [
    ("notifications", "Notification", ["title", "body"]),
    ("notifications", "OutboundMessage", ["subject", "body"]),
    ("deputies", "DutyRecord", ["title", "detail"]),
    ("suggestions", "Suggestion", ["title", "content"]),
    ("suggestions", "SuggestionEvent", ["note"]),
    ("demands", "DemandEvent", ["note"]),
]


def _numbers(Demand, codes) -> dict[str, str]:
    rows = Demand.objects.filter(tracking_code__in=codes).values_list("tracking_code", "pk", "created_at")
    return {code: public_number(pk, timezone.localtime(created).year) for code, pk, created in rows}


def forwards(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    for app, model_name, fields in TEXTS:
        model = apps.get_model(app, model_name)
        for field in fields:
            qs = model.objects.filter(**{f"{field}__regex": CODE_SQL}).order_by("pk")
            last = 0
            while True:
                rows = list(qs.filter(pk__gt=last).values_list("pk", field)[:CHUNK])
                if not rows:
                    break
                last = rows[-1][0]
                numbers = _numbers(Demand, {c for _pk, text in rows for c in CODE.findall(text or "")})
                for pk, text in rows:
                    # A code of no demand stays as it is: it is no one's credential.
                    new = CODE.sub(lambda match: numbers.get(match.group(0), match.group(0)), text)
                    if new != text:
                        model.objects.filter(pk=pk).update(**{field: new})


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0007_dashboard_indexes"),
        ("notifications", "0002_notice_kinds"),
        ("deputies", "0002_stations_duty"),
        ("suggestions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
