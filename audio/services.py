"""Use cases of the studio and the API that span credits, clips, storage and the queue.

A request is charged, recorded and queued in one transaction (credits.services takes the
balance with a conditional ``F()`` update and writes the ledger row); the task is enqueued
from ``transaction.on_commit`` only, so a rolled-back request never runs. Input has already
been checked by the service's form (audio/forms.py); what is left here is money and timing.
The worker's side (attempts, results, failures) is audio/generation.py.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import ApiKey, User
from audio import engines, storage
from audio.engines import GenerationRequest, registry
from audio.generation import clip_fail, clip_refund
from audio.logs import clip_event
from audio.models import ClipSource, GeneratedAudioClip, StudioPreference
from audio.tasks import enqueue_generation
from credits import services as credits

logger = logging.getLogger(__name__)

CANCELLED = "Cancelled before it started."


class ClipRequestError(Exception):
    """The request cannot be accepted; the message is shown to the user as is."""


class InsufficientCredits(ClipRequestError):
    """The user's credits, or the API key's credit limit, do not cover the cost."""


class KeyRevoked(ClipRequestError):
    pass


class RateLimited(ClipRequestError):
    """Refused rather than deferred (``defer=False``): ``retry_after`` seconds until a slot."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"More than {rate_limit_per_minute()} requests this minute; try again in {retry_after} s.")


class ClipStateError(Exception):
    """The action does not apply to the clip in its current state; the message says why."""


@dataclass(frozen=True)
class Upload:
    """A voice-changer recording as received and checked: its bytes, and the extension its
    content says it has (never the name the browser sent)."""

    data: bytes
    extension: str


def cost_of(service: str) -> int:
    return int(getattr(settings, registry.get(service).cost_setting))


def rate_limit_per_minute() -> int:
    """How many clips one user may start in any minute (CLIP_RATE_LIMIT_PER_MINUTE, default 3)."""
    return max(1, int(settings.CLIP_RATE_LIMIT_PER_MINUTE))


def _next_slot(*, user_id: str, now: datetime) -> datetime | None:
    """When this user's next clip may start: None for now, or a time within the next minute(s).

    At most rate_limit_per_minute() clips start in any 60-second window; extra requests are
    deferred, not refused. Called after the debit, which holds the user's row lock, so one
    user's concurrent requests see each other's slots.
    """
    limit = rate_limit_per_minute()
    recent = list(
        GeneratedAudioClip.objects.filter(user_id=user_id, created_at__gt=now - timedelta(hours=1))
        .annotate(starts_at=Coalesce("scheduled_for", "created_at"))
        .filter(starts_at__gt=now - timedelta(minutes=1))
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + timedelta(minutes=1)


def clip_request(
    *, user: User, service: str, request: GenerationRequest, upload: Upload | None = None,
    api_key: ApiKey | None = None, defer: bool = True,
) -> GeneratedAudioClip:
    """Charge the user (and the API key it came with) and queue a generation: all or nothing.

    The upload is stored first, outside the transaction (a 50 MB write must not hold the
    user's row lock, which on SQLite is the whole database's), and removed again if the
    request is refused. Over the per-minute rate the clip is deferred, or with ``defer=False``
    refused with RateLimited (the API, whose caller waits for the audio). Raises
    InsufficientCredits, KeyRevoked, RateLimited or ClipRequestError (storage down); in each
    case nothing is charged and nothing is left in storage.
    """
    spec = registry.get(service)
    cost = cost_of(service)
    upload_key = None
    if upload is not None:
        try:
            upload_key = storage.save_upload(spec, upload.data, upload.extension)
        except storage.StorageUnavailable as exc:
            raise ClipRequestError(f"{exc} Nothing was charged.") from None
    now = timezone.now()
    engine_name = engines.get_engine(service).engine_name

    def create() -> GeneratedAudioClip:
        scheduled_for = _next_slot(user_id=user.pk, now=now)
        if scheduled_for and not defer:
            raise RateLimited(max(1, math.ceil((scheduled_for - now).total_seconds())))
        return GeneratedAudioClip.objects.create(
            user=user, service=spec.id, text=request.text or None, voice=request.voice or None,
            original_voice_s3_key=upload_key, params=dict(request.params), cost=cost, engine=engine_name,
            scheduled_for=scheduled_for, created_at=now, api_key=api_key,
            source=ClipSource.API if api_key else ClipSource.STUDIO,
        )

    try:
        with transaction.atomic():
            clip = credits.charge_for(user_id=user.pk, amount=cost, service=spec.id, create=create, at=now,
                                      api_key_id=api_key.pk if api_key else None)
            transaction.on_commit(lambda: enqueue_generation(clip.id, service=spec.id, run_after=clip.scheduled_for))
    except (credits.InsufficientCredits, credits.KeyLimitReached) as exc:
        storage.delete_quietly(upload_key)
        raise InsufficientCredits(str(exc)) from None
    except credits.KeyRevoked as exc:
        storage.delete_quietly(upload_key)
        raise KeyRevoked(str(exc)) from None
    except BaseException:
        storage.delete_quietly(upload_key)
        raise
    user.credits -= cost  # keep the caller's copy in step with the row (for display only)
    clip_event("requested", clip=clip, outcome="deferred" if clip.scheduled_for else "queued")
    return clip


def clips_request(*, user: User, service: str, requests: list[GenerationRequest], upload: Upload | None = None,
                  remember: dict | None = None) -> list[GeneratedAudioClip]:
    """Request each clip in turn (a sound effect's variations are several), each charged on its
    own; stop at the first that cannot be paid for. Once one is accepted, its voice and
    ``remember`` (the settings) become the user's defaults for the service. Raises as
    clip_request does only when not even the first was accepted."""
    clips: list[GeneratedAudioClip] = []
    for request in requests:
        try:
            clips.append(clip_request(user=user, service=service, request=request, upload=upload))
        except ClipRequestError:
            if not clips:
                raise
            break
    if remember is not None:
        StudioPreference.remember(user=user, service=service, voice=requests[0].voice, settings=remember)
    return clips


def clip_regenerate(*, user: User, clip_id: str) -> GeneratedAudioClip:
    """A new clip made like one of the user's finished clips (same text or recording, voice and
    settings; a new seed), charged as any request. ClipStateError while it is still pending or
    when its recording is gone."""
    clip = user.clips.filter(pk=clip_id).first()
    if clip is None:
        raise GeneratedAudioClip.DoesNotExist
    if clip.status == "pending":
        raise ClipStateError("This clip is still being generated; regenerate it once it has finished.")
    params = dict(clip.params or {})
    if "seed" in params:
        params["seed"] = secrets.randbelow(2**31 - 1)
    upload = None
    if clip.original_voice_s3_key:
        try:
            data = storage.read(clip.original_voice_s3_key)
        except FileNotFoundError:
            raise ClipStateError("The original recording is no longer stored; upload it again.") from None
        except storage.StorageUnavailable as exc:
            raise ClipRequestError(f"{exc} Nothing was charged.") from None
        upload = Upload(data=data, extension=clip.original_voice_s3_key.rsplit(".", 1)[-1])
    request = GenerationRequest(voice=clip.voice or "", text=clip.text or "", params=params)
    return clip_request(user=user, service=clip.service, request=request, upload=upload)


def clip_retry(*, clip_id: str, actor: User | None = None) -> None:
    """Re-queue a failed clip (an operator's action). It ends up charged once in total: a
    refunded clip is charged again, one that was never refunded is not."""
    with transaction.atomic():
        clip = GeneratedAudioClip.objects.select_for_update().get(pk=clip_id)
        if not clip.failed:
            raise ClipStateError("Only failed clips can be retried.")
        try:
            credits.charge_again(clip_id=clip.pk, user_id=clip.user_id, service=clip.service, amount=clip.cost,
                                 note="Charged again on retry", actor=actor, api_key_id=clip.api_key_id)
        except credits.InsufficientCredits:
            raise ClipStateError("The user no longer has enough credits for this clip.") from None
        except (credits.KeyLimitReached, credits.KeyRevoked):
            raise ClipStateError("The clip's API key is revoked or at its credit limit.") from None
        GeneratedAudioClip.objects.filter(pk=clip.pk).update(
            failed=False, error="", attempts=0, started_at=None, finished_at=None, scheduled_for=timezone.now()
        )
        transaction.on_commit(lambda: enqueue_generation(clip.id, service=clip.service))
    clip_event("retried", clip=clip, outcome="requeued_by_operator", actor_id=getattr(actor, "pk", None))


def clip_refund_by_operator(*, clip_id: str, actor: User | None = None, note: str = "Refunded by an operator") -> bool:
    """Refund a clip at an operator's request, at most once."""
    with transaction.atomic():
        clip = GeneratedAudioClip.objects.select_for_update().get(pk=clip_id)
        return clip_refund(clip=clip, note=note, actor=actor)


def clip_cancel(*, user: User, clip_id: str) -> GeneratedAudioClip:
    """Cancel one of the user's clips that no worker has started yet; it is refunded once.
    ClipStateError when it has started or finished."""
    clip = user.clips.filter(pk=clip_id).first()
    if clip is None:
        raise GeneratedAudioClip.DoesNotExist
    if not clip_fail(clip_id=clip.pk, error=CANCELLED, only_if=Q(started_at__isnull=True), note="Cancelled"):
        raise ClipStateError("This clip has already started, so it can no longer be cancelled.")
    clip.refresh_from_db()
    return clip


def clips_delete(*, clips) -> int:
    """Delete finished clips (done or failed) and their files; pending ones are left alone,
    since deleting them would keep the charge with nothing left to refund. Ledger rows stay
    (their clip becomes NULL). Returns how many were deleted."""
    finished = clips.finished()
    keys = [key for wav, upload in finished.values_list("s3_key", "original_voice_s3_key")
            for key in (wav, upload, *storage.encoded_keys(wav)) if key]
    _deleted, per_model = finished.delete()
    for key in keys:
        storage.delete_quietly(key)
    return per_model.get(GeneratedAudioClip._meta.label, 0)
