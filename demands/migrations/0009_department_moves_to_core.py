import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Department leaves the demands app for core (state only: the table keeps its name)."""

    dependencies = [
        ('accounts', '0004_department_in_core'),
        ('core', '0002_department'),
        ('demands', '0008_public_numbers_in_stored_texts'),
        ('livelihood', '0004_department_in_core'),
        ('suggestions', '0002_department_in_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='demand',
                    name='unit_department',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_demands', to='core.department', verbose_name='department unit'),
                ),
                migrations.DeleteModel(
                    name='Department',
                ),
            ],
            database_operations=[],
        ),
    ]
