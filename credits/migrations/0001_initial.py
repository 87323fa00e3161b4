# The ledger moved from the audio app to credits: the table (audio_usagelog), its columns and
# indexes stay exactly as they are; only Django's record of which app owns the model changes.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("audio", "0002_usagelog_moves_to_credits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UsageLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("service", models.CharField(blank=True, default="", max_length=32)),
                        ("credits", models.IntegerField(help_text="Signed change to the balance: negative for a debit.")),
                        ("reason", models.CharField(choices=[("debit", "Generation"), ("refund", "Refund"), ("adjustment", "Adjustment"), ("import", "Import")], max_length=16)),
                        ("note", models.CharField(blank=True, default="", max_length=500)),
                        ("timestamp", models.DateTimeField(default=django.utils.timezone.now)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("clip", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="usage_logs", to="audio.generatedaudioclip")),
                        ("refund_of", models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="refund_log", to="audio.generatedaudioclip")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="usage_logs", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "audio_usagelog",
                        "indexes": [
                            models.Index(fields=["user", "timestamp"], name="usagelog_user_time_idx"),
                            models.Index(fields=["reason", "timestamp"], name="usagelog_reason_time_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
