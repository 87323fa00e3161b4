"""Where a response's audio comes from.

For now every source is a finished clip, encoded once in the asked format and sent in chunks
(a streaming endpoint's answer is chunked, but starts when the clip is done). Progressive
streaming (the worker publishing each piece as it is made) swaps in a source that yields pieces
as they arrive: the stream views then ask ``generate.clip_for(..., wait=False)`` for the pending
clip and hand it to ``source_for``; views only ask a source for ``content_type`` and
``chunks()``.
"""

from __future__ import annotations

from collections.abc import Iterator

from api.errors import ApiError
from audio import encoding, storage
from audio.models import GeneratedAudioClip

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
