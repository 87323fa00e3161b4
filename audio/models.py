import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connections, models, router
from django.db.models import Q
from django.utils import timezone

from audio.engines import registry
from core.ids import cuid_field

# The services, from the registry: Service.TTS is text to speech, stored as its registry id.
Service = models.TextChoices("Service", [(spec.key, (spec.id, spec.label)) for spec in registry.SERVICES])


class ClipSource(models.TextChoices):
    STUDIO = "studio", "Studio"
    API = "api", "API"


class ClipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# A pending clip whose attempt began this long ago has lost its worker; one no worker took
# within QUEUED_TOO_LONG never will.
STUCK_AFTER = timedelta(minutes=15)
QUEUED_TOO_LONG = timedelta(hours=1)


class ClipQuerySet(models.QuerySet):
    """Every write through it (update, delete, bulk_create) renews the owners' HistoryVersion,
    so a cached studio page (audio/page_cache.py) is never served after its clips changed."""

    def update(self, **kwargs):
        owners = self._owners()
        changed = super().update(**kwargs)
        if changed:
            HistoryVersion.renew(owners)
        return changed

    update.alters_data = True

    def delete(self):
        owners = self._owners()
        result = super().delete()
        if result[0]:
            HistoryVersion.renew(owners)
        return result

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        made = super().bulk_create(objs, *args, **kwargs)
        HistoryVersion.renew({clip.user_id for clip in made})
        return made

    def _owners(self) -> set:
        return set(self.order_by().values_list("user_id", flat=True).distinct())

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

    def finished(self):
        return self.exclude(s3_key__isnull=True, failed=False)

    def stuck(self, *, now: datetime, older_than: timedelta = STUCK_AFTER, queued_longer_than: timedelta = QUEUED_TOO_LONG):
        """Pending clips whose attempt began too long ago (its worker died), or that have waited
        for a worker far longer than any queue should take (no worker at all)."""
        return self.pending().filter(stuck_condition(now=now, older_than=older_than, queued_longer_than=queued_longer_than))

    def search(self, query: str):
        query = (query or "").strip()
        if not query:
            return self
        return self.filter(Q(text__icontains=query) | Q(voice__icontains=query) | Q(params__source_name__icontains=query))

    def with_status(self, status: str):
        """Clips in ``status`` (pending, done, failed); any other value filters nothing."""
        by_status = {ClipStatus.PENDING: self.pending, ClipStatus.DONE: self.done, ClipStatus.FAILED: self.failed}
        return by_status[status]() if status in by_status else self

    def with_voice(self, voice: str):
        return self.filter(voice=voice) if voice else self

    def made_on(self, day: date | None):
        """Clips made on ``day`` in the current time zone."""
        if day is None:
            return self
        start = timezone.make_aware(datetime.combine(day, time.min))
        return self.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))


def stuck_condition(*, now: datetime, older_than: timedelta = STUCK_AFTER, queued_longer_than: timedelta = QUEUED_TOO_LONG) -> Q:
    """The one definition of "stuck", as a condition the reaper repeats in its UPDATE."""
    waited_since = now - queued_longer_than
    started_long_ago = Q(started_at__lt=now - older_than)
    never_started = Q(started_at__isnull=True, created_at__lt=waited_since) & (
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lt=waited_since)
    )
    return started_long_ago | never_started


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
    error = models.TextField(blank=True, default="")  # shown to the user: plain words only
    params = models.JSONField(default=dict, blank=True)  # engine settings: seed, duration, speed...
    cost = models.PositiveIntegerField(default=0)  # credits taken for this clip
    engine = models.CharField(max_length=32, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)  # deferred by the per-minute rate
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=ClipSource.choices, default=ClipSource.STUDIO)
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="clips")
    # What the engine said of its timing: [[text, start_s, end_s], ...] per piece it made
    # (audio/alignment.py turns it into per-character times), or null when it said nothing.
    segments = models.JSONField(null=True, blank=True)

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

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        HistoryVersion.renew({self.user_id})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        HistoryVersion.renew({self.user_id})
        return result

    @property
    def spec(self) -> registry.ServiceSpec:
        return registry.get(self.service)

    @property
    def status(self) -> str:
        if self.failed:
            return ClipStatus.FAILED
        if self.s3_key:
            return ClipStatus.DONE
        return ClipStatus.PENDING


class StudioPreference(models.Model):
    """The voice and settings a user last generated with, per service: the next visit's
    defaults (the text itself is never kept here)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studio_preferences")
    service = models.CharField(max_length=32, choices=Service.choices)
    voice = models.CharField(max_length=191, blank=True, default="")
    settings = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "service"], name="studio_preference_user_service_uniq")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.service}"

    @classmethod
    def remember(cls, *, user, service: str, voice: str, settings: dict) -> None:
        cls.objects.update_or_create(user=user, service=service, defaults={"voice": voice or "", "settings": settings})


class ClipPiece(models.Model):
    """A piece of a clip's audio, published by the worker as soon as it is made (audio.pieces),
    while the clip is being generated; deleted when the clip is stored or failed. Only used
    when REDIS_URL is not set (Redis holds them otherwise)."""

    clip = models.ForeignKey(GeneratedAudioClip, on_delete=models.CASCADE, related_name="+", db_index=False)
    index = models.PositiveIntegerField()
    sample_rate = models.PositiveIntegerField()
    pcm = models.BinaryField()  # 16-bit little-endian mono
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clip", "index"], name="clip_piece_clip_index_uniq")]

    def __str__(self) -> str:
        return f"{self.clip_id} #{self.index}"


class HistoryVersion(models.Model):
    """A token that changes whenever any of the user's clips is created, changes or goes
    (ClipQuerySet and GeneratedAudioClip renew it in the same transaction as the change). The
    studio keeps rendered pages by it (audio/page_cache.py). A fresh random token each time,
    never a counter: a token is never used for two states of a history."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.user_id} {self.token}"

    @classmethod
    def renew(cls, user_ids) -> None:
        ids = sorted(uid for uid in user_ids if uid)
        if ids:
            db = router.db_for_write(cls)
            # MySQL's ON DUPLICATE KEY UPDATE names no target (and refuses one).
            target = {"unique_fields": ["user"]} if connections[db].features.supports_update_conflicts_with_target else {}
            cls.objects.using(db).bulk_create([cls(user_id=uid, token=secrets.randbits(62)) for uid in ids],
                                              update_conflicts=True, update_fields=["token"], **target)

    @classmethod
    def of(cls, user_id) -> int:
        """The user's current token (0 before their first clip)."""
        return cls.objects.filter(user_id=user_id).values_list("token", flat=True).first() or 0
