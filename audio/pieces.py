"""The pieces of a clip being made, from the worker to whoever is listening (audio.streaming).

The worker publishes each piece of a text-to-speech clip as soon as the engine has made it
(16-bit mono PCM and its sample rate, in order), then stores the whole clip as before and
drops the pieces. Readers ask for the pieces from an index on; once the clip is stored they
read the rest from the stored file (audio.streaming), so a dropped or missing piece never
loses audio, it only comes later.

Where the pieces are kept: Redis when REDIS_URL is set (one list per clip, expiring after
PIECES_TTL_SECONDS in case the worker dies before it drops them); otherwise the database
(audio.models.ClipPiece rows). Publishing is best effort: if Redis or the database refuses a
piece, the writer stops publishing for that clip (a later piece at the wrong index would be
worse than none) and the clip is generated and stored as usual.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)

PIECES_TTL_SECONDS = 15 * 60
_RATE = struct.Struct("<I")  # each Redis entry: the sample rate, then the PCM


@dataclass(frozen=True)
class Piece:
    index: int
    sample_rate: int
    pcm: bytes  # 16-bit little-endian mono

    @property
    def samples(self) -> int:
        return len(self.pcm) // 2


class ChannelUnavailable(Exception):
    """Redis or the database did not answer a reader: it falls back to the stored file."""


class _RedisChannel:
    name = "redis"

    def __init__(self, url: str):
        import redis

        timeout = float(getattr(settings, "REDIS_TIMEOUT_SECONDS", 0.5) or 0.5)
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)

    @staticmethod
    def key(clip_id: str) -> str:
        return f"bernie:pieces:{clip_id}"

    def publish(self, clip_id: str, index: int, sample_rate: int, pcm: bytes) -> None:
        from redis.exceptions import RedisError

        try:
            with self.redis.pipeline() as pipe:
                pipe.rpush(self.key(clip_id), _RATE.pack(sample_rate) + pcm)
                pipe.expire(self.key(clip_id), PIECES_TTL_SECONDS)
                length, _ = pipe.execute()
        except RedisError as exc:
            raise ChannelUnavailable(str(exc)) from exc
        if length != index + 1:  # another attempt's leftovers, or a piece lost: say so, stop
            raise ChannelUnavailable(f"piece {index} landed at {length - 1}")

    def read(self, clip_id: str, start: int) -> list[Piece]:
        from redis.exceptions import RedisError

        try:
            entries = self.redis.lrange(self.key(clip_id), start, -1)
        except RedisError as exc:
            raise ChannelUnavailable(str(exc)) from exc
        return [Piece(start + n, _RATE.unpack_from(entry)[0], entry[_RATE.size:]) for n, entry in enumerate(entries)]

    def drop(self, clip_id: str) -> None:
        from redis.exceptions import RedisError

        try:
            self.redis.delete(self.key(clip_id))
        except RedisError as exc:  # it expires by itself
            logger.warning("could not drop the pieces of clip %s: %s", clip_id, exc)


class _DatabaseChannel:
    name = "database"

    def publish(self, clip_id: str, index: int, sample_rate: int, pcm: bytes) -> None:
        from audio.models import ClipPiece

        try:
            ClipPiece.objects.create(clip_id=clip_id, index=index, sample_rate=sample_rate, pcm=pcm)
        except DatabaseError as exc:  # the clip deleted meanwhile, a leftover row, the database away
            raise ChannelUnavailable(str(exc)) from exc

    def read(self, clip_id: str, start: int) -> list[Piece]:
        from audio.models import ClipPiece

        try:
            rows = ClipPiece.objects.filter(clip_id=clip_id, index__gte=start).order_by("index").values_list(
                "index", "sample_rate", "pcm")
            found = [Piece(index, rate, bytes(pcm)) for index, rate, pcm in rows]
        except DatabaseError as exc:
            raise ChannelUnavailable(str(exc)) from exc
        contiguous = []  # from `start` on only: a gap means a piece is being written right now
        for piece in found:
            if piece.index != start + len(contiguous):
                break
            contiguous.append(piece)
        return contiguous

    def drop(self, clip_id: str) -> None:
        from audio.models import ClipPiece

        try:
            ClipPiece.objects.filter(clip_id=clip_id).delete()
        except DatabaseError as exc:  # the rows go with the clip, or at the next drop
            logger.warning("could not drop the pieces of clip %s: %s", clip_id, exc)


@lru_cache(maxsize=4)
def _channel_for(redis_url: str):
    return _RedisChannel(redis_url) if redis_url else _DatabaseChannel()


def channel():
    """Where pieces go: Redis when REDIS_URL is set, else the database."""
    return _channel_for(getattr(settings, "PIECES_REDIS_URL", "") or "")


class Writer:
    """One attempt's pieces of one clip, published in order (the engine's ``on_piece``)."""

    def __init__(self, clip_id: str):
        self.clip_id = clip_id
        self.channel = channel()
        self.index = 0
        self.stopped = False
        self.channel.drop(clip_id)  # an earlier attempt's pieces: this attempt starts again at 0

    def __call__(self, samples, sample_rate: int) -> None:
        if self.stopped:
            return
        import numpy as np

        pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
        try:
            self.channel.publish(self.clip_id, self.index, int(sample_rate), pcm)
        except ChannelUnavailable as exc:
            self.stopped = True
            logger.warning("clip %s: piece %d not published (%s); listeners get the rest when it is stored",
                           self.clip_id, self.index, exc)
            return
        self.index += 1

    def close(self) -> None:
        """The clip is stored, failed or given up: its pieces are not needed any more."""
        self.channel.drop(self.clip_id)
