"""The monthly ledger, replaced by the figure ledger (0002, 0003) whose triggers 0003 installed in place of its own."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("supervise", "0003_figure_ledger_triggers"),
    ]

    operations = [
        migrations.DeleteModel(
            name="MonthlyFigures",
        ),
    ]
