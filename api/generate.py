"""The one path of every generate call: the page's form, the page's service, then the audio.

A view turns its request into the studio form's data (ElevenLabs' names onto the form's),
and ``clip_for`` validates it with that form, charges and queues the clip with
``audio.services.clip_request`` (the key counted too) and waits for the worker to finish it.
The web process never loads a model. Form refusals become the API's errors: too long -> 400
``max_character_limit_exceeded``, unknown voice -> 404 ``voice_not_found``, anything else ->
422 naming the field in the API's words.

Over the per-minute rate a request is refused with 429 and ``Retry-After`` (nothing charged)
instead of being deferred: a deferred clip could start after the caller stopped waiting.
Past ``API_GENERATION_TIMEOUT_SECONDS`` the clip is failed and refunded (once: clip_fail is
idempotent) before the 504 is sent, so a client that retries is charged for its new request
only; a clip that finished in that same instant is answered with its audio instead.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection

from api.errors import NO_RETRY, ApiError, ApiInvalid, field_error
from audio import generation, services
from audio.engines import registry
from audio.models import GeneratedAudioClip

TIMED_OUT = "The clip was not ready in time, so it was cancelled and its credits were returned."
POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 0.2


def number(value: float | None) -> str | None:
    """A JSON number as the form's plain-decimal text ("1.25")."""
    if value is None:
        return None
    return format(value, ".6f").rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def clip_for(request, *, spec: registry.ServiceSpec, data: dict, files: dict | None = None,
             locs: dict[str, list], wait: bool = True) -> GeneratedAudioClip:
    """Validate ``data`` with ``spec``'s form, charge and queue it, and (unless ``wait`` is
    False: a progressive stream follows the pending clip itself) wait until it is done.
    ``locs`` names each form field in the API's words (for 422s)."""
    key = request.auth
    form = spec.form_class(data={k: v for k, v in data.items() if v is not None}, files=files or {})
    if not form.is_valid():
        raise _refusal(form, locs)
    try:
        clip = services.clip_request(user=key.user, service=spec.id, request=form.generation_request(),
                                     upload=form.upload(), api_key=key, defer=False)
    except services.RateLimited as exc:
        raise ApiError(429, "too_many_concurrent_requests", str(exc),
                       headers={"Retry-After": str(exc.retry_after)}) from None
    except services.InsufficientCredits as exc:
        raise ApiError(401, "quota_exceeded", f"{exc} Nothing was charged.") from None
    except services.KeyRevoked:
        raise ApiError(401, "invalid_api_key", "This API key has been revoked.") from None
    except services.ClipRequestError as exc:  # storage down: the message says so, nothing charged
        raise ApiError(503, "service_unavailable", str(exc)) from None
    return finished(clip.id) if wait else clip


def _refusal(form, locs: dict[str, list]) -> Exception:
    errors = []
    for field, problems in form.errors.as_data().items():
        for problem in problems:
            message = problem.messages[0] if problem.messages else "Invalid value."
            if problem.code == "max_length":
                return ApiError(400, "max_character_limit_exceeded", message)
            if field == "voice" and problem.code == "invalid_choice":
                return ApiError(404, "voice_not_found", message)
            if problem.code == "too_large":
                return ApiError(413, "payload_too_large", message)
            errors.append(field_error(locs.get(field, ["body"]), message))
    return ApiInvalid(errors)


def wait(clip_id: str, *, timeout: float) -> GeneratedAudioClip:
    """The clip once it is done or failed, or as it is after ``timeout`` seconds.

    Polls one indexed row, every 50 ms growing to 200 ms (a one-sentence clip takes about a
    second: a slower poll would add a good part of that again). Between polls a pooled database
    connection goes back to the pool, so a waiting request does not hold one."""
    deadline = time.monotonic() + timeout
    interval = POLL_FIRST_SECONDS
    while True:
        row = GeneratedAudioClip.objects.filter(pk=clip_id).values_list("s3_key", "failed").first()
        remaining = deadline - time.monotonic()
        if row is None or row[0] or row[1] or remaining <= 0:
            break
        if getattr(connection, "pool", None) is not None and not connection.in_atomic_block:
            connection.close()
        time.sleep(min(interval, remaining))
        interval = min(interval * 1.3, POLL_MAX_SECONDS)
    return GeneratedAudioClip.objects.get(pk=clip_id)


def finished(clip_id: str) -> GeneratedAudioClip:
    """The done clip, or the error that says why there is none."""
    clip = wait(clip_id, timeout=settings.API_GENERATION_TIMEOUT_SECONDS)
    if clip.status == "pending":
        if generation.clip_fail(clip_id=clip.pk, error=TIMED_OUT, note="Timed out waiting (API)"):
            raise ApiError(504, "generation_timeout", TIMED_OUT, headers=NO_RETRY)
        clip.refresh_from_db()  # finished (or failed) in the same instant
    if clip.failed:
        raise ApiError(502, "generation_failed", f"{clip.error} The credits were returned.".strip())
    return clip
