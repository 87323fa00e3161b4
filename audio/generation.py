"""The worker's side of a clip: one attempt, its audio stored, or its failure refunded once.

``clip_generate`` runs one attempt and says whether another should follow (``Attempt.retry_in``);
the task (audio/tasks.py) enqueues it. Engine and storage failures that may pass (a GPU server
restarting, S3 down) are retried with backoff; after ``MAX_ATTEMPTS`` the clip is failed and
refunded. Every message stored in ``clip.error`` is shown to the user, so it is plain words;
the technical detail goes to the log with the clip id.
"""

from __future__ import annotations

import io
import logging
import time
import wave
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from audio import engines, pieces, storage
from audio.logs import clip_event
from audio.models import GeneratedAudioClip
from credits import services as credits

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_BACKOFF_SECONDS = (2, 8, 30)
UNEXPECTED = "The engine failed unexpectedly. This has been logged; try again, or pick another voice."


@dataclass(frozen=True)
class Attempt:
    """What one run of the task decided: ``retry_in`` seconds until the next attempt, or None
    when the clip is finished (done, failed, deleted) and nothing more is to be done."""

    retry_in: float | None = None


class _Retryable(Exception):
    """A transient engine or storage failure: another attempt may work."""


def clip_generate(*, clip_id: str) -> Attempt:
    """Run one attempt for a pending clip (the worker's task body)."""
    clip = GeneratedAudioClip.objects.filter(pk=clip_id).first()
    if clip is None or clip.status != "pending":
        return Attempt()  # deleted, cancelled, or already finished by another attempt or the reaper
    attempts = clip.attempts + 1
    claimed = GeneratedAudioClip.objects.pending().filter(pk=clip.pk).update(attempts=attempts, started_at=timezone.now())
    if not claimed:
        return Attempt()
    clip.attempts = attempts
    engine = engines.get_engine(clip.service)
    clip_event("started", clip=clip, engine=engine.engine_name, attempt=attempts)
    # A streaming service publishes each piece as soon as it is made (audio.pieces); they are
    # dropped once the attempt is over (listeners then read the stored clip).
    writer = pieces.Writer(clip.pk) if clip.spec.streams else None
    try:
        return _attempt(engine, clip, writer)
    finally:
        if writer is not None:
            writer.close()


def _attempt(engine, clip: GeneratedAudioClip, writer) -> Attempt:
    began = time.monotonic()
    try:
        key, duration, stored_here, segments = _make(engine, clip, writer)
    except _Retryable as exc:
        return _retry_or_fail(clip, engine, exc.__cause__, began=began)
    except engines.EngineError as exc:  # refused or impossible: plain words by contract
        # The library's own words, if any, are the exception's cause: the log gets them.
        logger.info("clip %s refused by the %s engine: %s", clip.pk, engine.engine_name, exc,
                    exc_info=exc if exc.__cause__ is not None else None)
        clip_fail(clip_id=clip.pk, error=str(exc))
        return Attempt()
    except FileNotFoundError:
        clip_fail(clip_id=clip.pk, error="The uploaded recording is no longer in storage; upload it again.")
        return Attempt()
    except Exception:  # noqa: BLE001 - an engine bug must fail the clip and refund, not leave it pending
        logger.exception("engine crashed on clip %s", clip.pk)
        clip_fail(clip_id=clip.pk, error=UNEXPECTED)
        return Attempt()
    try:
        clip_complete(clip_id=clip.pk, key=key, duration=duration, stored_here=stored_here,
                      elapsed=time.monotonic() - began, segments=segments)
    except DatabaseError:
        # The database went between storing the audio and recording it: the worker runs this
        # attempt again (ops/worker.py). Whether the UPDATE committed before the connection
        # dropped cannot be known here, so the file is left alone; if the clip does not end up
        # pointing at it, it is an unreferenced file in storage.
        logger.warning("clip %s: stored %s but could not record it; the attempt will run again", clip.pk, key)
        raise
    return Attempt()


def _make(engine, clip: GeneratedAudioClip, on_piece=None) -> tuple[str, float | None, bool, list | None]:
    """Generate and store: (storage key, duration, whether we wrote the file, the engine's timing)."""
    try:
        source = b""
        if clip.original_voice_s3_key and engine.wants_source_bytes:
            source = storage.read(clip.original_voice_s3_key)
        request = engines.GenerationRequest(
            voice=clip.voice or "", text=clip.text or "", source_key=clip.original_voice_s3_key or "",
            source_audio=source or None, params=clip.params or {},
        )
        result = engine.generate(request, on_piece=on_piece) if on_piece is not None else engine.generate(request)
        segments = [[text, round(start, 4), round(end, 4)] for text, start, end in result.segments or ()] or None
        if result.wav is None:
            return result.s3_key, None, False, segments
        return storage.save_output(clip.spec, result.wav), wav_duration(result.wav), True, segments
    except (engines.TransientEngineError, storage.StorageUnavailable) as exc:
        raise _Retryable from exc


def _retry_or_fail(clip: GeneratedAudioClip, engine, exc: Exception, *, began: float) -> Attempt:
    attempts = clip.attempts
    what = "storage" if isinstance(exc, storage.StorageUnavailable) else "engine"
    logger.warning("clip %s attempt %d: %s unavailable: %s", clip.pk, attempts, what, exc)
    if attempts < MAX_ATTEMPTS:
        delay = RETRY_BACKOFF_SECONDS[min(attempts - 1, len(RETRY_BACKOFF_SECONDS) - 1)]
        GeneratedAudioClip.objects.pending().filter(pk=clip.pk).update(
            error=f"Attempt {attempts} did not succeed; trying again in {delay} s."
        )
        clip_event("retried", clip=clip, engine=engine.engine_name, outcome="retry", attempt=attempts,
                   error=str(exc), retry_in_s=delay, duration=time.monotonic() - began)
        return Attempt(retry_in=delay)
    where = "The audio storage" if what == "storage" else f"The {clip.spec.label.lower()} engine"
    clip_fail(clip_id=clip.pk, error=f"{where} was unavailable after {attempts} attempts. Try again later.")
    return Attempt()


def wav_duration(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def clip_complete(*, clip_id: str, key: str, duration: float | None = None, stored_here: bool = True,
                  elapsed: float | None = None, segments: list | None = None) -> bool:
    """Mark the clip done with its stored audio (and the engine's timing, if it gave any).
    False if it was failed or cancelled meanwhile: then the file is removed (when we wrote it)
    and the clip stays as it is."""
    updated = GeneratedAudioClip.objects.pending().filter(pk=clip_id).update(
        s3_key=key, error="", duration_seconds=duration, finished_at=timezone.now(), segments=segments
    )
    clip = GeneratedAudioClip.objects.filter(pk=clip_id).first()
    if not updated:
        if stored_here:
            storage.delete_quietly(key)
        if clip is not None:
            clip_event("done", clip=clip, outcome="discarded", duration=elapsed)
        return False
    clip_event("done", clip=clip, outcome="done", duration=elapsed, audio_s=duration)
    return True


def clip_fail(*, clip_id: str, error: str, only_if: Q | None = None, note: str = "Generation failed") -> bool:
    """Mark a pending clip failed and refund it once. False if it was not pending (or no
    longer matches ``only_if``)."""
    with transaction.atomic():
        pending = GeneratedAudioClip.objects.pending().filter(pk=clip_id)
        if only_if is not None:
            pending = pending.filter(only_if)
        if not pending.update(failed=True, error=error[:2000], finished_at=timezone.now()):
            return False
        clip = GeneratedAudioClip.objects.get(pk=clip_id)
        clip_event("failed", clip=clip, outcome="failed", error=error)
        clip_refund(clip=clip, note=note)
    return True


def clip_refund(*, clip: GeneratedAudioClip, note: str = "", actor=None) -> bool:
    """Give the clip's credits back to its owner, at most once."""
    refunded = credits.refund(clip_id=clip.pk, user_id=clip.user_id, service=clip.service, amount=clip.cost,
                              note=note, actor=actor, api_key_id=clip.api_key_id)
    if refunded:
        clip_event("refunded", clip=clip, outcome="refunded", credits=clip.cost, actor_id=getattr(actor, "pk", None))
    return refunded
