from django.db import migrations, models


def content_types_follow(apps, schema_editor):
    # Permissions granted on departments and stored API answers keep working under their new app.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in (("demands", "department"), ("portal", "idempotencyrecord")):
        if not ContentType.objects.filter(app_label="core", model=model).exists():
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label="core")


class Migration(migrations.Migration):
    """Department joins core from the demands app; its tables (demands_department and the categories link) stay."""

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0001_initial'),
        ('demands', '0008_public_numbers_in_stored_texts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=40, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=80, unique=True, verbose_name='name')),
                        ('short_name', models.CharField(max_length=40, verbose_name='short name')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('categories', models.ManyToManyField(blank=True, to='demands.category', verbose_name='categories handled')),
                    ],
                    options={
                        'verbose_name': 'department',
                        'verbose_name_plural': 'departments',
                        'db_table': 'demands_department',
                        'ordering': ['code'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]
