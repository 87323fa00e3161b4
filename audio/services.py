"""Use cases that span credits, clips, the ledger and tasks.

Every balance change is a conditional ``F()`` update and a ``UsageLog`` row in the same
transaction; the database CHECK on ``credits >= 0`` is the backstop. Tasks are enqueued
from ``transaction.on_commit`` only, so a rolled-back request never runs.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from audio import engines, storage
from audio.logs import clip_event
from audio.models import GeneratedAudioClip, LedgerReason, Service, UsageLog

logger = logging.getLogger(__name__)

RATE_LIMIT_PER_MINUTE = 3
MAX_ATTEMPTS = 4
RETRY_BACKOFF_SECONDS = (2, 8, 30)
STUCK_AFTER = timedelta(minutes=15)  # an attempt running longer than this has lost its worker
QUEUED_TOO_LONG = timedelta(hours=1)  # never picked up by any worker


class ClipRequestError(Exception):
    """The request cannot be accepted; the message is shown to the user as is."""


class InsufficientCredits(ClipRequestError):
    pass


class ClipStateError(Exception):
    """An operator action does not apply to the clip in its current state."""


@dataclass(frozen=True)
class Upload:
    """A voice-changer recording as received. Its type and extension come from its content
    (engines.probe_audio), never from the name the browser sent."""

    data: bytes
    extension: str = ""


def cost_of(service: str) -> int:
    return int(settings.CREDIT_COST[service])


def _next_slot(*, user: User, now: datetime) -> datetime | None:
    """When this user's next clip may start: None for now, or a time within the next minute(s).

    At most RATE_LIMIT_PER_MINUTE clips start in any 60-second window; extra requests
    are deferred, not refused. Called under the user's row lock (the debit), so
    concurrent requests of one user see each other's slots.
    """
    recent = list(
        user.clips.filter(created_at__gt=now - timedelta(hours=1))
        .annotate(starts_at=Coalesce("scheduled_for", "created_at"))
        .filter(starts_at__gt=now - timedelta(minutes=1))
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)[:RATE_LIMIT_PER_MINUTE]
    )
    if len(recent) < RATE_LIMIT_PER_MINUTE:
        return None
    return recent[-1] + timedelta(minutes=1)


def _validate(*, service: str, voice: str | None, text: str | None, prompt: str | None, duration, upload) -> dict:
    if any(value and "\x00" in value for value in (voice, text, prompt)):
        raise ClipRequestError("The text contains a null character; remove it and try again.")
    engine = engines.get_engine(service)
    try:
        if service == Service.TTS:
            engine.validate(text=text, voice=voice)
            return {"text": text.strip(), "voice": voice}
        if service == Service.VOICE_CHANGER:
            if upload is None:
                raise engines.EngineValidationError("Choose a recording to convert.")
            max_bytes = settings.AUDIO_UPLOAD_MAX_BYTES
            if len(upload.data) > max_bytes:
                raise engines.EngineValidationError(
                    f"The file is {len(upload.data) / 1024 / 1024:.0f} MB; the limit is {max_bytes // 1024 // 1024} MB."
                )
            info = engines.probe_audio(upload.data)  # by content and by decoding
            if info.duration_seconds > settings.AUDIO_UPLOAD_MAX_SECONDS:
                raise engines.EngineValidationError(
                    f"The recording is {info.duration_seconds / 60:.1f} minutes long; "
                    f"the limit is {settings.AUDIO_UPLOAD_MAX_SECONDS // 60} minutes."
                )
            engine.validate(voice=voice)
            return {"voice": voice, "_extension": info.extension}
        if service == Service.SOUND_EFFECTS:
            engine.validate(prompt=prompt, duration=duration)
            return {"text": prompt.strip()}
    except engines.EngineValidationError as exc:
        raise ClipRequestError(str(exc)) from None
    raise ClipRequestError(f"Unknown service {service!r}.")


def clip_request(
    *,
    user: User,
    service: str,
    text: str | None = None,
    voice: str | None = None,
    prompt: str | None = None,
    duration: float | None = None,
    upload: Upload | None = None,
) -> GeneratedAudioClip:
    """Charge the user and queue a generation: all or nothing.

    Raises ClipRequestError (bad input) or InsufficientCredits; in both cases nothing
    is written, stored or charged.
    """
    fields = _validate(service=service, voice=voice, text=text, prompt=prompt, duration=duration, upload=upload)
    extension = fields.pop("_extension", "")
    cost = cost_of(service)
    upload_key = None
    try:
        with transaction.atomic():
            if not User.objects.debit(user_id=user.pk, amount=cost):
                raise InsufficientCredits(
                    f"Not enough credits: this costs {cost} and you have {User.objects.get(pk=user.pk).credits}."
                )
            now = timezone.now()
            scheduled_for = _next_slot(user=user, now=now)
            if upload is not None:
                upload_key = storage.save_upload(upload.data, extension or upload.extension)
            clip = GeneratedAudioClip.objects.create(
                user=user,
                service=service,
                original_voice_s3_key=upload_key,
                params=_params(service=service, duration=duration),
                cost=cost,
                engine=engines.get_engine(service).engine_name,
                scheduled_for=scheduled_for,
                created_at=now,
                **fields,
            )
            UsageLog.objects.create(
                user=user, service=service, credits=-cost, clip=clip, reason=LedgerReason.DEBIT, timestamp=now
            )
            transaction.on_commit(lambda: _enqueue_or_fail(clip.id, run_after=scheduled_for))
    except BaseException:
        storage.delete_quietly(upload_key)
        raise
    user.credits -= cost  # keep the caller's copy in step with the row (for display only)
    clip_event("requested", clip=clip, outcome="deferred" if scheduled_for else "queued")
    return clip


def _params(*, service: str, duration: float | None) -> dict:
    """Engine parameters kept on the clip, so a retry makes the same sound."""
    if service != Service.SOUND_EFFECTS:
        return {}
    params: dict = {"seed": secrets.randbelow(2**31)}
    if duration is not None:
        params["duration"] = float(duration)
    return params


def _enqueue_or_fail(clip_id: str, *, run_after: datetime | None = None) -> None:
    """Queue the clip's task after commit; if the queue refuses, fail and refund the clip now
    rather than leave it pending for the reaper (the request has already been answered)."""
    try:
        _enqueue(clip_id, run_after=run_after)
    except Exception as exc:  # noqa: BLE001 - any backend error: the clip must not stay pending
        logger.exception("could not queue clip %s", clip_id)
        clip_fail(clip_id=clip_id, error=f"The job queue is unavailable ({type(exc).__name__}); try again shortly.")


def _enqueue(clip_id: str, *, run_after: datetime | None = None) -> None:
    from audio.tasks import generate_clip

    task = generate_clip.using(run_after=run_after) if run_after else generate_clip
    task.enqueue(clip_id)


def clip_generate(*, clip_id: str) -> None:
    """Run one attempt for a pending clip (the worker's task body)."""
    clip = GeneratedAudioClip.objects.filter(pk=clip_id).first()
    if clip is None or clip.status != "pending":
        return  # deleted, or already finished by another attempt or the reaper
    attempts = clip.attempts + 1
    now = timezone.now()
    GeneratedAudioClip.objects.filter(pk=clip.pk).update(attempts=attempts, started_at=now)
    clip.attempts = attempts
    engine = engines.get_engine(clip.service)
    clip_event("started", clip=clip, engine=engine.engine_name, attempt=attempts)
    began = time.monotonic()
    try:
        result = _call_engine(engine, clip)
    except engines.TransientEngineError as exc:
        if attempts < MAX_ATTEMPTS:
            delay = RETRY_BACKOFF_SECONDS[min(attempts - 1, len(RETRY_BACKOFF_SECONDS) - 1)]
            GeneratedAudioClip.objects.filter(pk=clip.pk).update(error=f"Attempt {attempts} failed: {exc}")
            clip_event("retried", clip=clip, engine=engine.engine_name, outcome="retry", attempt=attempts,
                       error=str(exc), retry_in_s=delay, duration=time.monotonic() - began)
            _enqueue_or_fail(clip.id, run_after=timezone.now() + timedelta(seconds=delay))
            return
        clip_fail(clip_id=clip.pk, error=f"The engine is unavailable after {attempts} attempts: {exc}")
        return
    except engines.EngineError as exc:
        clip_fail(clip_id=clip.pk, error=str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - an engine bug must fail the clip and refund, not leave it pending
        logger.exception("engine crashed on clip %s", clip.pk)
        clip_fail(clip_id=clip.pk, error=f"The engine failed unexpectedly ({type(exc).__name__}).")
        return
    clip_complete(clip_id=clip.pk, result=result, elapsed=time.monotonic() - began)


def _call_engine(engine, clip: GeneratedAudioClip) -> engines.EngineResult:
    if clip.service == Service.TTS:
        return engine.generate(text=clip.text, voice=clip.voice)
    if clip.service == Service.VOICE_CHANGER:
        return engine.generate(
            voice=clip.voice,
            source_key=clip.original_voice_s3_key,
            source_audio=storage.read(clip.original_voice_s3_key),
        )
    return engine.generate(prompt=clip.text, duration=clip.params.get("duration"), seed=clip.params.get("seed"))


def wav_duration(data: bytes) -> float | None:
    import io
    import wave

    try:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def clip_complete(*, clip_id: str, result: engines.EngineResult, elapsed: float | None = None) -> bool:
    """Store the result and mark the clip done; False (and the file removed) if it was failed meanwhile."""
    if result.wav is not None:
        clip = GeneratedAudioClip.objects.get(pk=clip_id)
        key = storage.save_output(clip.service, result.wav)
        duration = wav_duration(result.wav)
    else:
        key, duration = result.s3_key, None
    with transaction.atomic():
        updated = GeneratedAudioClip.objects.filter(pk=clip_id, failed=False, s3_key__isnull=True).update(
            s3_key=key, error="", duration_seconds=duration, finished_at=timezone.now()
        )
    clip = GeneratedAudioClip.objects.get(pk=clip_id)
    if not updated:
        if result.wav is not None:
            storage.delete_quietly(key)
        clip_event("done", clip=clip, outcome="discarded", duration=elapsed)
        return False
    clip_event("done", clip=clip, outcome="done", duration=elapsed, audio_s=duration)
    return True


def clip_fail(*, clip_id: str, error: str, only_if: Q | None = None) -> bool:
    """Mark a pending clip failed and refund it once. False if it was not pending (or no
    longer matches ``only_if``)."""
    with transaction.atomic():
        pending = GeneratedAudioClip.objects.filter(pk=clip_id, failed=False, s3_key__isnull=True)
        if only_if is not None:
            pending = pending.filter(only_if)
        updated = pending.update(
            failed=True, error=error[:2000], finished_at=timezone.now()
        )
        if not updated:
            return False
        clip = GeneratedAudioClip.objects.get(pk=clip_id)
        clip_event("failed", clip=clip, outcome="failed", error=error)
        clip_refund(clip_id=clip_id, note="Generation failed")
    return True


def clip_refund(*, clip_id: str, note: str = "", actor: User | None = None) -> bool:
    """Return a clip's credits to its owner, at most once (the ledger's unique refund_of)."""
    with transaction.atomic():
        clip = GeneratedAudioClip.objects.select_for_update().get(pk=clip_id)
        if clip.cost <= 0:
            return False
        try:
            with transaction.atomic():
                UsageLog.objects.create(
                    user_id=clip.user_id,
                    service=clip.service,
                    credits=clip.cost,
                    clip=clip,
                    refund_of=clip,
                    reason=LedgerReason.REFUND,
                    note=note[:500],
                    actor=actor,
                )
        except IntegrityError:
            return False  # already refunded
        User.objects.credit(user_id=clip.user_id, amount=clip.cost)
    clip_event("refunded", clip=clip, outcome="refunded", credits=clip.cost, actor_id=getattr(actor, "pk", None))
    return True


def clip_retry(*, clip_id: str, actor: User | None = None) -> None:
    """Re-queue a failed clip. It ends up charged once in total: a refunded clip is charged
    again (its old refund stays in the ledger, detached so a new failure can refund again);
    a clip that was never refunded is not charged again."""
    with transaction.atomic():
        clip = GeneratedAudioClip.objects.select_for_update().get(pk=clip_id)
        if not clip.failed:
            raise ClipStateError("Only failed clips can be retried.")
        refund = UsageLog.objects.filter(refund_of=clip).first()
        if refund is not None:
            if not User.objects.debit(user_id=clip.user_id, amount=clip.cost):
                raise ClipStateError("The user no longer has enough credits for this clip.")
            UsageLog.objects.filter(pk=refund.pk).update(refund_of=None)
            UsageLog.objects.create(
                user_id=clip.user_id, service=clip.service, credits=-clip.cost, clip=clip,
                reason=LedgerReason.DEBIT, note="Charged again on retry", actor=actor,
            )
        GeneratedAudioClip.objects.filter(pk=clip.pk).update(
            failed=False, error="", attempts=0, started_at=None, finished_at=None, scheduled_for=timezone.now()
        )
        transaction.on_commit(lambda: _enqueue_or_fail(clip.id))
    clip_event("retried", clip=clip, outcome="requeued_by_operator", actor_id=getattr(actor, "pk", None))


def _stuck(*, now: datetime, older_than: timedelta, queued_longer_than: timedelta) -> Q:
    """Pending clips whose attempt began too long ago (its worker died), or that have waited
    for a worker far longer than any queue should take (no worker at all)."""
    waited_since = now - queued_longer_than
    started_long_ago = Q(started_at__lt=now - older_than)
    never_started = Q(started_at__isnull=True, created_at__lt=waited_since) & (
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lt=waited_since)
    )
    return started_long_ago | never_started


def clips_reap_stuck(*, older_than: timedelta = STUCK_AFTER, queued_longer_than: timedelta = QUEUED_TOO_LONG) -> int:
    """Fail and refund clips left pending too long (a worker died). Safe to run twice, and
    safe beside live workers: each clip is failed by one conditional UPDATE that repeats the
    age condition, so a clip that started or finished meanwhile is left alone."""
    stuck = _stuck(now=timezone.now(), older_than=older_than, queued_longer_than=queued_longer_than)
    reaped = 0
    for clip_id in GeneratedAudioClip.objects.pending().filter(stuck).values_list("id", flat=True):
        if clip_fail(
            clip_id=clip_id,
            error="The generation did not finish in time (the worker stopped). Your credits were returned.",
            only_if=stuck,
        ):
            reaped += 1
    return reaped


def credits_adjust(*, user_id: str, amount: int, note: str, actor: User | None = None) -> UsageLog:
    """Change a user's balance by ``amount`` (signed) as an operator, with a ledger row saying why.

    A conditional ``F()`` update: a deduction larger than the balance changes nothing and
    raises ClipStateError; the CHECK constraint stays the backstop.
    """
    if not amount:
        raise ClipStateError("The adjustment must not be zero.")
    if not (note or "").strip():
        raise ClipStateError("Say why the balance changes.")
    with transaction.atomic():
        if amount < 0:
            if not User.objects.debit(user_id=user_id, amount=-amount):
                raise ClipStateError(f"The balance is smaller than {-amount}; nothing changed.")
        else:
            User.objects.credit(user_id=user_id, amount=amount)
        entry = UsageLog.objects.create(
            user_id=user_id, credits=amount, reason=LedgerReason.ADJUSTMENT, note=note.strip()[:500], actor=actor
        )
    logger.info("credits adjusted user=%s amount=%+d actor=%s", user_id, amount, getattr(actor, "pk", None))
    return entry


def clips_delete(*, clips) -> int:
    """Delete finished clips (done or failed) and their files; pending ones are left alone,
    since deleting them would keep the charge with nothing left to refund. Ledger rows stay
    (their clip becomes NULL). Returns how many were deleted."""
    finished = clips.exclude(s3_key__isnull=True, failed=False)
    keys = [key for pair in finished.values_list("s3_key", "original_voice_s3_key") for key in pair if key]
    deleted, per_model = finished.delete()
    for key in keys:
        storage.delete_quietly(key)
    return per_model.get(GeneratedAudioClip._meta.label, 0)
