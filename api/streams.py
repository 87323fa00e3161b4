"""Where a response's audio comes from.

A finished clip is encoded once in the asked format and sent in chunks (``FinishedClip``).
A streaming text-to-speech call follows the clip while the worker makes it (``progressive``):
the first bytes go out as soon as the first piece exists (audio.streaming), encoded as they
come (audio.stream_encoding). It waits for that first piece before answering, so a clip that
fails or times out before any audio still gets an error answer; after that, a failure cuts the
response short. A client that goes away only closes its response: the clip goes on, is stored
and stays in the history, charged once.
"""

from __future__ import annotations

from collections.abc import Iterator

from collections.abc import Callable

from django.http import StreamingHttpResponse

from api import generate
from api.errors import NO_RETRY, ApiError
from audio import encoding, generation, storage, streaming
from audio.models import GeneratedAudioClip
from audio.stream_encoding import STREAMABLE

CHUNK_BYTES = 16 * 1024


def stored_wav(clip: GeneratedAudioClip) -> bytes:
    try:
        return storage.read(clip.s3_key)
    except FileNotFoundError:
        raise ApiError(404, "audio_not_found", "This clip's audio is no longer in storage.") from None
    except storage.StorageUnavailable as exc:
        raise ApiError(503, "service_unavailable", str(exc)) from None


class FinishedClip:
    """A done clip's audio in one format, encoded up front (so a failure is still an error
    answer, not a broken stream)."""

    def __init__(self, clip: GeneratedAudioClip, fmt: encoding.Format):
        self.clip = clip
        self.format = fmt
        self.data = encoding.encode(stored_wav(clip), fmt).data

    @property
    def content_type(self) -> str:
        return self.format.content_type

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[bytes]:
        for start in range(0, len(self.data), size):
            yield self.data[start:start + size]


def source_for(clip: GeneratedAudioClip, fmt: encoding.Format) -> FinishedClip:
    return FinishedClip(clip, fmt)


BUSY = "This server is serving as many streams as it can; try again in a few seconds, or call the endpoint without /stream."


def streamable(fmt: encoding.Format) -> bool:
    return fmt.codec in STREAMABLE


def progressive(make_clip: Callable[[], GeneratedAudioClip], fmt: encoding.Format) -> tuple[GeneratedAudioClip, StreamingHttpResponse]:
    """Charge and queue the clip (``make_clip``), then answer with its audio as it is made."""
    if not streaming.SLOTS.take():
        raise ApiError(429, "too_many_concurrent_requests", BUSY, headers={"Retry-After": "5"})
    try:
        clip = make_clip()
    except BaseException:
        streaming.SLOTS.give_back()
        raise
    body = streaming.stream_for_taken_slot(clip.id, fmt)
    try:
        body.first()
    except streaming.StreamBroken as exc:
        body.close()
        raise _before_audio(clip.id, exc) from None
    except BaseException:
        body.close()
        raise
    return clip, StreamingHttpResponse(body, content_type=fmt.content_type)


def _before_audio(clip_id: str, exc: streaming.StreamBroken) -> ApiError:
    """The error answer for a stream that broke before its first byte."""
    if generation.clip_fail(clip_id=clip_id, error=generate.TIMED_OUT, note="Timed out waiting (API stream)"):
        return ApiError(504, "generation_timeout", generate.TIMED_OUT, headers=NO_RETRY)
    clip = GeneratedAudioClip.objects.filter(pk=clip_id).first()
    if clip is not None and clip.failed:
        return ApiError(502, "generation_failed", f"{clip.error} The credits were returned.".strip())
    return ApiError(502, "generation_failed", str(exc))
