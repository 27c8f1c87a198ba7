from django.db import migrations


class Migration(migrations.Migration):
    """The record moved to the core app; its table stays where it is."""

    dependencies = [
        ("portal", "0002_idempotency_claim_first"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
