"""The credit ledger: one row per balance change, written in the same transaction as the change.

Invariant: for a user who started with the default balance, that balance plus the sum of their
rows' ``credits`` equals ``User.credits``. Rows are only written by ``credits.services``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from audio.engines import registry


class LedgerReason(models.TextChoices):
    DEBIT = "debit", "Generation"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"
    IMPORT = "import", "Import"


class UsageLogQuerySet(models.QuerySet):
    def newest(self):
        return self.order_by("-timestamp", "-id")


class UsageLog(models.Model):
    """The seed's usage analytics, kept as the ledger (table ``audio_usagelog``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_logs")
    service = models.CharField(max_length=32, blank=True, default="")
    credits = models.IntegerField(help_text="Signed change to the balance: negative for a debit.")
    clip = models.ForeignKey(
        "audio.GeneratedAudioClip", null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_logs"
    )
    # Set on refund rows only; unique, so a clip can be refunded at most once (a nullable
    # unique column works the same on SQLite, PostgreSQL and MySQL, unlike a partial index).
    refund_of = models.OneToOneField(
        "audio.GeneratedAudioClip", null=True, blank=True, on_delete=models.SET_NULL, related_name="refund_log"
    )
    reason = models.CharField(max_length=16, choices=LedgerReason.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timestamp = models.DateTimeField(default=timezone.now)

    objects = UsageLogQuerySet.as_manager()

    class Meta:
        db_table = "audio_usagelog"
        indexes = [
            models.Index(fields=["user", "timestamp"], name="usagelog_user_time_idx"),
            models.Index(fields=["reason", "timestamp"], name="usagelog_reason_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.credits:+d} {self.reason} for {self.user_id}"

    @property
    def service_label(self) -> str:
        """The service as people name it ("Text to speech"), or "" for rows of no service."""
        try:
            return registry.get(self.service).label
        except registry.UnknownService:
            return self.service
