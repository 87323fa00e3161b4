from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import cuid_field


class Service(models.TextChoices):
    TTS = "styletts2", "Text to Speech"
    VOICE_CHANGER = "seedvc", "Voice Changer"
    SOUND_EFFECTS = "make-an-audio", "Sound Effects"


class ClipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ClipQuerySet(models.QuerySet):
    def for_service(self, service: str):
        return self.filter(service=service)

    def newest(self):
        return self.order_by("-created_at", "-id")

    def pending(self):
        return self.filter(s3_key__isnull=True, failed=False)

    def done(self):
        return self.filter(s3_key__isnull=False, failed=False)

    def failed(self):
        return self.filter(failed=True)

    def stuck(self, *, older_than: timedelta):
        return self.pending().filter(created_at__lt=timezone.now() - older_than)

    def search(self, query: str):
        query = (query or "").strip()
        if not query:
            return self
        return self.filter(Q(text__icontains=query) | Q(voice__icontains=query))


class GeneratedAudioClip(models.Model):
    # The seed's columns.
    id = cuid_field()
    # The seed's @@index([userId]) is the explicit clip_user_idx below (so MySQL keeps it too).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clips", db_index=False
    )
    text = models.TextField(null=True, blank=True)
    voice = models.CharField(max_length=191, null=True, blank=True)
    original_voice_s3_key = models.CharField(max_length=512, null=True, blank=True)
    s3_key = models.CharField(max_length=512, null=True, blank=True)
    service = models.CharField(max_length=32, choices=Service.choices)
    failed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    # Added columns.
    error = models.TextField(blank=True, default="")
    params = models.JSONField(default=dict, blank=True)  # e.g. sound-effect duration and seed
    cost = models.PositiveIntegerField(default=0)  # credits taken for this clip
    engine = models.CharField(max_length=32, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)  # deferred by the per-minute rate
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user"], name="clip_user_idx"),
            models.Index(fields=["user", "service", "created_at"], name="clip_user_service_created_idx"),
            models.Index(fields=["service", "failed"], name="clip_service_failed_idx"),
            models.Index(fields=["failed", "created_at"], name="clip_failed_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} {self.id}"

    @property
    def status(self) -> str:
        if self.failed:
            return ClipStatus.FAILED
        if self.s3_key:
            return ClipStatus.DONE
        return ClipStatus.PENDING


class LedgerReason(models.TextChoices):
    DEBIT = "debit", "Generation"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"
    IMPORT = "import", "Import"


class UsageLogQuerySet(models.QuerySet):
    def newest(self):
        return self.order_by("-timestamp", "-id")


class UsageLog(models.Model):
    """The credit ledger: one row per balance change, written in the same transaction."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_logs")
    service = models.CharField(max_length=32, blank=True, default="")
    credits = models.IntegerField(help_text="Signed change to the balance: negative for a debit.")
    clip = models.ForeignKey(
        GeneratedAudioClip, null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_logs"
    )
    # Set on refund rows only; unique, so a clip can be refunded at most once (a
    # nullable unique column works the same on SQLite, PostgreSQL and MySQL, unlike a
    # partial unique index).
    refund_of = models.OneToOneField(
        GeneratedAudioClip, null=True, blank=True, on_delete=models.SET_NULL, related_name="refund_log"
    )
    reason = models.CharField(max_length=16, choices=LedgerReason.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timestamp = models.DateTimeField(default=timezone.now)

    objects = UsageLogQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "timestamp"], name="usagelog_user_time_idx"),
            models.Index(fields=["reason", "timestamp"], name="usagelog_reason_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.credits:+d} {self.reason} for {self.user_id}"
