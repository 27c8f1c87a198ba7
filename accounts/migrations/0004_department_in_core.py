import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The user's department is core's now; the column and its constraint are unchanged."""

    dependencies = [
        ('accounts', '0003_alter_user_role'),
        ('core', '0002_department'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='user',
                    name='department',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='handlers', to='core.department', verbose_name='department'),
                ),
            ],
            database_operations=[],
        ),
    ]
