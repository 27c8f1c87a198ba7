import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Departments are core's now; columns, link tables and constraints are unchanged."""

    dependencies = [
        ('core', '0002_department'),
        ('suggestions', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assignment',
                    name='co_departments',
                    field=models.ManyToManyField(blank=True, related_name='suggestions_co_handled', to='core.department', verbose_name='co-handling departments'),
                ),
                migrations.AlterField(
                    model_name='assignment',
                    name='lead_department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='suggestions_led', to='core.department', verbose_name='lead department'),
                ),
                migrations.AlterField(
                    model_name='cohandlingopinion',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.department', verbose_name='department'),
                ),
                migrations.AlterField(
                    model_name='followup',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.department', verbose_name='department'),
                ),
                migrations.AlterField(
                    model_name='reply',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.department', verbose_name='department'),
                ),
            ],
            database_operations=[],
        ),
    ]
