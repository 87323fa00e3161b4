"""The worker's tasks. Each service has its own queue (its registry slug), so the number of
workers serving a queue caps the concurrent requests to that service's engine or GPU server.

Tasks take ids and call one function of audio.generation; they are enqueued only after the
transaction that created the clip commits (``transaction.on_commit``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone

from audio import generation
from audio.engines import registry
from audio.models import GeneratedAudioClip

logger = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = "The job queue is unavailable; try again shortly."


def queue_name(service: str) -> str:
    return registry.get(service).slug


@task()
def generate_clip(clip_id: str) -> None:
    attempt = generation.clip_generate(clip_id=clip_id)
    if attempt.retry_in is not None:
        service = GeneratedAudioClip.objects.values_list("service", flat=True).get(pk=clip_id)
        enqueue_generation(clip_id, service=service, run_after=timezone.now() + timedelta(seconds=attempt.retry_in))


def enqueue_generation(clip_id: str, *, service: str, run_after: datetime | None = None) -> None:
    """Queue the clip's next attempt; if the queue refuses, fail and refund the clip now rather
    than leave it pending for the reaper (the request has already been answered)."""
    options = {"queue_name": queue_name(service)}
    if run_after:
        options["run_after"] = run_after
    try:
        generate_clip.using(**options).enqueue(clip_id)
    except Exception:  # noqa: BLE001 - any backend error: the clip must not stay pending
        logger.exception("could not queue clip %s", clip_id)
        generation.clip_fail(clip_id=clip_id, error=QUEUE_UNAVAILABLE)
