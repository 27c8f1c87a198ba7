import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Departments are core's now; columns and constraints are unchanged."""

    dependencies = [
        ('core', '0002_department'),
        ('livelihood', '0003_ballot_events'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='candidate',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ballot_candidates', to='core.department', verbose_name='responsible department'),
                ),
                migrations.AlterField(
                    model_name='project',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ballot_projects', to='core.department', verbose_name='responsible department'),
                ),
            ],
            database_operations=[],
        ),
    ]
