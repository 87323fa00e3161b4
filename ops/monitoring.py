"""Figures for the operators' monitor page: a few aggregate queries, no per-row loops."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from audio.models import GeneratedAudioClip, Service

WINDOWS = (("1h", "Last hour", timedelta(hours=1)), ("24h", "Last 24 hours", timedelta(hours=24)), ("7d", "Last 7 days", timedelta(days=7)))
TOP_ERRORS = 10


@dataclass
class WindowFigures:
    clips: int = 0
    failed: int = 0

    @property
    def failure_rate(self) -> float | None:
        """Failed / all clips created in the window, as a percentage; None when there were none."""
        return round(100.0 * self.failed / self.clips, 1) if self.clips else None


@dataclass
class ServiceFigures:
    service: str
    label: str
    windows: dict[str, WindowFigures] = field(default_factory=dict)
    pending: int = 0
    oldest_pending_at: datetime | None = None


@dataclass
class HourBar:
    hour: datetime
    clips: int
    failed: int


@dataclass
class QueueFigures:
    backend: str
    ready: int | None = None  # runnable now
    scheduled: int | None = None  # waiting for run_after (backoff, rate limit)
    running: int | None = None
    oldest_ready_at: datetime | None = None


@dataclass
class Monitor:
    now: datetime
    services: list[ServiceFigures]
    totals: dict[str, WindowFigures]
    errors: list[dict]
    hours: list[HourBar]
    queue: QueueFigures
    oldest_pending: GeneratedAudioClip | None

    @property
    def pending(self) -> int:
        return sum(s.pending for s in self.services)


def _window_counts(now: datetime) -> dict[str, dict]:
    aggregates = {}
    for key, _label, span in WINDOWS:
        since = now - span
        aggregates[f"clips_{key}"] = Count("id", filter=Q(created_at__gte=since))
        aggregates[f"failed_{key}"] = Count("id", filter=Q(created_at__gte=since, failed=True))
    longest = max(span for _k, _l, span in WINDOWS)
    rows = (
        GeneratedAudioClip.objects.filter(created_at__gte=now - longest, created_at__lte=now)
        .values("service")
        .annotate(**aggregates)
        .order_by("service")
    )
    return {row["service"]: row for row in rows}


def _pending_counts() -> dict[str, dict]:
    rows = (
        GeneratedAudioClip.objects.pending()
        .values("service")
        .annotate(pending=Count("id"), oldest=Min("created_at"))
        .order_by("service")
    )
    return {row["service"]: row for row in rows}


def _common_errors(now: datetime) -> list[dict]:
    """The most frequent error texts among clips failed in the last 7 days."""
    return list(
        GeneratedAudioClip.objects.failed()
        .filter(created_at__gte=now - WINDOWS[-1][2])
        .exclude(error="")
        .values("error")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by("-count", "error")[:TOP_ERRORS]
    )


def _hourly(now: datetime) -> list[HourBar]:
    """Clips and failures per hour over the last 24 hours (24 bars, empty hours included)."""
    start = (now - timedelta(hours=23)).replace(minute=0, second=0, microsecond=0)
    rows = (
        GeneratedAudioClip.objects.filter(created_at__gte=start, created_at__lte=now)
        .annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(clips=Count("id"), failed=Count("id", filter=Q(failed=True)))
        .order_by("hour")
    )
    by_hour = {row["hour"].replace(tzinfo=UTC): row for row in rows}
    bars = []
    for i in range(24):
        hour = start.astimezone(UTC) + timedelta(hours=i)
        row = by_hour.get(hour, {})
        bars.append(HourBar(hour=hour, clips=row.get("clips", 0), failed=row.get("failed", 0)))
    return bars


def task_queue(now: datetime | None = None) -> QueueFigures:
    """The task queue's depth; only the database backend can be counted."""
    now = now or timezone.now()
    backend = settings.TASKS["default"]["BACKEND"]
    figures = QueueFigures(backend=backend)
    if backend != "django_tasks_db.DatabaseBackend":
        return figures
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    runnable = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    ready = Q(status=TaskResultStatus.READY)
    row = DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).aggregate(
        ready=Count("id", filter=ready & runnable),
        scheduled=Count("id", filter=ready & ~runnable),
        running=Count("id", filter=Q(status=TaskResultStatus.RUNNING)),
        oldest_ready_at=Min("enqueued_at", filter=ready & runnable),
    )
    figures.ready, figures.scheduled, figures.running = row["ready"], row["scheduled"], row["running"]
    figures.oldest_ready_at = row["oldest_ready_at"]
    return figures


def monitor(now: datetime | None = None) -> Monitor:
    now = now or timezone.now()
    windows = _window_counts(now)
    pending = _pending_counts()
    services, totals = [], {key: WindowFigures() for key, _l, _s in WINDOWS}
    for value, label in Service.choices:
        counts, waiting = windows.get(value, {}), pending.get(value, {})
        figures = ServiceFigures(service=value, label=label, pending=waiting.get("pending", 0),
                                 oldest_pending_at=waiting.get("oldest"))
        for key, _label, _span in WINDOWS:
            window = WindowFigures(clips=counts.get(f"clips_{key}", 0), failed=counts.get(f"failed_{key}", 0))
            figures.windows[key] = window
            totals[key].clips += window.clips
            totals[key].failed += window.failed
        services.append(figures)
    oldest = GeneratedAudioClip.objects.pending().select_related("user").order_by("created_at", "id").first()
    return Monitor(
        now=now,
        services=services,
        totals=totals,
        errors=_common_errors(now),
        hours=_hourly(now),
        queue=task_queue(now),
        oldest_pending=oldest,
    )
