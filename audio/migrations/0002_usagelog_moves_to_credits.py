# The ledger (UsageLog) now belongs to the credits app; its table is kept as it is (see
# credits/migrations/0001_initial.py). Only Django's state changes here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("audio", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UsageLog")],
            database_operations=[],
        ),
    ]
