# The address column's Python class changes (its validator: accounts/emails.py); the column
# itself does not, so nothing is done to the database (SQLite would otherwise copy the table).

import accounts.emails
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='user',
                    name='email',
                    field=accounts.emails.AddressField(max_length=191, null=True, unique=True),
                ),
            ],
        ),
    ]
