"""Fail and refund clips a dead worker left pending. ``run_worker`` calls ``reap`` every minute;
``manage.py reap_stuck_clips`` runs it once (for cron, beside plain ``db_worker``).

Safe to run twice and beside live workers: each clip is failed by one conditional UPDATE that
repeats the "stuck" condition (audio.models.stuck_condition), so a clip that started or
finished meanwhile is left alone, and refunded at most once (the ledger's unique refund).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from audio.generation import clip_fail
from audio.models import QUEUED_TOO_LONG, STUCK_AFTER, GeneratedAudioClip, stuck_condition

REAPED_ERROR = "The generation did not finish in time: the worker stopped."


def reap(*, older_than: timedelta = STUCK_AFTER, queued_longer_than: timedelta = QUEUED_TOO_LONG) -> int:
    """Fail and refund the stuck clips; how many were reaped."""
    now = timezone.now()
    condition = stuck_condition(now=now, older_than=older_than, queued_longer_than=queued_longer_than)
    reaped = 0
    stuck = GeneratedAudioClip.objects.stuck(now=now, older_than=older_than, queued_longer_than=queued_longer_than)
    for clip_id in stuck.values_list("id", flat=True):
        if clip_fail(clip_id=clip_id, error=REAPED_ERROR, only_if=condition):
            reaped += 1
    return reaped
