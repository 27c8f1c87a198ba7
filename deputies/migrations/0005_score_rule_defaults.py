"""The default 履职积分 rule (docs/figures.md#duty-score); supervisors change it in the admin, and it is published."""

from django.db import migrations

# item, points each, at most per year (None: no cap). Kept here, not imported: a migration must not change later.
DEFAULTS = [
    ("meeting", 2, None),
    ("inspection", 3, 30),
    ("suggestion", 5, 30),
    ("reception", 3, 36),
    ("demand", 1, 30),
    ("report", 1, 20),
    ("report_done", 1, 20),
    ("annual_report", 10, None),
]


def add_defaults(apps, schema_editor):
    ScoreRule = apps.get_model("deputies", "ScoreRule")
    for item, points, cap in DEFAULTS:
        ScoreRule.objects.get_or_create(item=item, defaults={"points": points, "yearly_cap": cap})


class Migration(migrations.Migration):
    dependencies = [("deputies", "0004_accountability")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
