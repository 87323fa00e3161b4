"""Follow a clip while it is made: its audio, piece by piece, then the rest from the stored file.

    for pcm, rate in follow(clip_id):   # 16-bit mono PCM as it arrives
        ...

``follow`` yields each piece the worker publishes (audio.pieces) in order. Once the clip is
stored, whatever was not yet sent (pieces dropped, never published, or made by a retried
attempt) is read from the stored WAV from the sample where the pieces stopped, so what a
listener gets always adds up to the stored clip. If the clip fails, is cancelled or deleted, or
nothing arrives for STREAM_IDLE_SECONDS, ``follow`` raises ``StreamBroken`` (plain words): the
response is cut there, which is what a client sees as an error once the headers are sent.

A stream holds a web thread for as long as the clip takes (the serving model is gthread, see
docs/deploy.md), so each process takes at most STREAMS_PER_PROCESS at once (``slot``); the
threads beyond those stay free for pages. Between polls the database connection goes back to
the pool, so a stream does not hold one.
"""

from __future__ import annotations

import io
import itertools
import logging
import threading
import time
import wave
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection

from audio import pieces as pieces_mod
from audio import storage
from audio.models import GeneratedAudioClip

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05  # how often new pieces are looked for
STATUS_EVERY_SECONDS = 0.5  # how often the clip's own row is read, while no piece comes


class StreamBroken(Exception):
    """The clip will not come (failed, cancelled, deleted) or stopped coming: plain words."""


class _Slots:
    """At most ``limit`` streams at once in this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.open = 0

    def take(self) -> bool:
        with self.lock:
            if self.open >= settings.STREAMS_PER_PROCESS:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.open = max(0, self.open - 1)


SLOTS = _Slots()


class Stream:
    """A response body: ``chunks`` of a followed clip, holding one of the process's stream
    slots until the response is closed (Django calls ``close`` when it is done with it, also
    when the client went away). Construct only after ``SLOTS.take()`` said yes."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        return self.chunks

    def first(self) -> bytes:
        """Wait for the first chunk (StreamBroken if the clip fails first) and keep it at the
        front, so an error before any audio can still be an error answer."""
        head = next(self.chunks, b"")
        rest = self.chunks
        self.chunks = itertools.chain([head] if head else [], rest)
        self._rest = rest
        return head

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            SLOTS.give_back()
            close = getattr(getattr(self, "_rest", self.chunks), "close", None)
            if close is not None:
                close()


def _release_connection() -> None:
    if getattr(connection, "pool", None) is not None and not connection.in_atomic_block:
        connection.close()


def _state(clip_id: str):
    """(stored key, failed, error) of the clip, or None when it is gone."""
    try:
        return GeneratedAudioClip.objects.filter(pk=clip_id).values_list("s3_key", "failed", "error").first()
    except DatabaseError as exc:  # the database is away: keep waiting, the idle limit still holds
        logger.debug("stream of clip %s: the database did not answer (%s)", clip_id, exc)
        connection.close()
        return ...
    finally:
        _release_connection()


def _rest_of_stored(key: str, sent_samples: int) -> tuple[bytes, int]:
    try:
        data = storage.read(key)
    except (FileNotFoundError, storage.StorageUnavailable) as exc:
        raise StreamBroken("The clip is done, but its audio could not be read; play it from the history.") from exc
    with wave.open(io.BytesIO(data)) as wav:
        rate = wav.getframerate()
        wav.setpos(min(sent_samples, wav.getnframes()))
        return wav.readframes(wav.getnframes()), rate


def follow(clip_id: str, *, idle_seconds: float | None = None) -> Iterator[tuple[bytes, int]]:
    """The clip's audio as (16-bit mono PCM, sample rate), from the first piece to the end."""
    idle_seconds = settings.STREAM_IDLE_SECONDS if idle_seconds is None else idle_seconds
    channel = pieces_mod.channel()
    index = sent = 0
    last_progress = next_status = time.monotonic()
    said = set()  # what went wrong and was logged already: once per stream, not every poll
    while True:
        try:
            new = channel.read(clip_id, index)
        except pieces_mod.ChannelUnavailable as exc:
            if "pieces" not in said:
                said.add("pieces")
                logger.warning("stream of clip %s: pieces unavailable (%s); waiting for the stored clip", clip_id, exc)
            new = []
        finally:
            _release_connection()
        now = time.monotonic()
        if new:
            for piece in new:
                yield piece.pcm, piece.sample_rate
                index += 1
                sent += piece.samples
            last_progress = now
            continue
        if now >= next_status:
            state = _state(clip_id)
            if state is None:
                raise StreamBroken("The clip was deleted.")
            if state is ... and "database" not in said:
                said.add("database")
                logger.warning("stream of clip %s: the database did not answer; waiting", clip_id)
            if state is not ...:
                key, failed, error = state
                if failed:
                    raise StreamBroken(error or "The clip failed.")
                if key:
                    rest, rate = _rest_of_stored(key, sent)
                    if rest:
                        yield rest, rate
                    return
            next_status = now + STATUS_EVERY_SECONDS
        if now - last_progress > idle_seconds:
            raise StreamBroken(f"No audio arrived for {idle_seconds:g} s; the clip goes on in the history.")
        time.sleep(POLL_SECONDS)


def encoded(clip_id: str, fmt) -> Iterator[bytes]:
    """The followed clip encoded as ``fmt`` (audio.stream_encoding), chunk by chunk."""
    from audio.stream_encoding import StreamEncoder

    encoder = StreamEncoder(fmt)
    for pcm, rate in follow(clip_id):
        data = encoder.feed(pcm, rate)
        if data:
            yield data
    tail = encoder.finish()
    if tail:
        yield tail


def open_stream(clip_id: str, fmt) -> Stream | None:
    """A response body that follows the clip in ``fmt``, or None when this process already
    serves STREAMS_PER_PROCESS streams (the caller answers "busy")."""
    if not SLOTS.take():
        return None
    return stream_for_taken_slot(clip_id, fmt)


def stream_for_taken_slot(clip_id: str, fmt) -> Stream:
    """As open_stream, for a caller that took its slot already (``SLOTS.take()``)."""
    return Stream(_logged(clip_id, encoded(clip_id, fmt)))


def _logged(clip_id: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    except StreamBroken as exc:
        # Headers are sent: cutting the response short (no last chunk) is how the client learns.
        logger.info("stream of clip %s cut: %s", clip_id, exc)
        raise
