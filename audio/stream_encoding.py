"""Encode audio as it arrives: each piece of a clip turned into the asked format's bytes at once.

    encoder = StreamEncoder(encoding.get("mp3_44100_128"))
    for pcm, rate in pieces:
        send(encoder.feed(pcm, rate))
    send(encoder.finish())

Every format in audio.encoding.FORMATS but FLAC can be streamed (``STREAMABLE``: a FLAC stream
whose length is unknown is legal, but libsndfile and others cannot read it, so FLAC is sent once
the clip is done). Pieces are resampled one by one to the
format's rate (audio.encoding.resample; a piece ends in the pause after its sentence, so the
seams fall on silence). ``pcm``, ``ulaw`` and ``alaw`` are headerless; ``wav`` gets a header
whose sizes say "unknown" (0xFFFFFFFF), as streamed WAV does. MP3 and Ogg/Opus come from
libsndfile writing into a buffer that is emptied after every piece: the frames it has made are
sent at once. At the end libsndfile goes back to fill in its first header (MP3's LAME/Xing frame);
those bytes are already sent, so that rewrite is dropped: the stream keeps
the placeholder (for MP3 one silent frame of 26 ms at the start), which every decoder takes.
"""

from __future__ import annotations

import io
import struct

from audio import encoding

STREAMABLE = frozenset({"mp3", "opus", "wav", "pcm", "ulaw", "alaw"})


class _Drain(io.RawIOBase):
    """A write-only file for libsndfile whose written bytes are taken away as they come.
    Writes before what was already taken (header rewrites at close) are dropped."""

    def __init__(self):
        self.pending = bytearray()
        self.taken = 0  # bytes already handed out
        self.position = 0

    def readable(self) -> bool:
        return True  # libsndfile's virtual IO asks for read; nothing is ever read back

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return 0

    def write(self, data) -> int:
        data = bytes(data)
        offset = self.position - self.taken
        if offset >= 0:
            if offset > len(self.pending):
                self.pending.extend(b"\0" * (offset - len(self.pending)))
            self.pending[offset:offset + len(data)] = data
        elif offset + len(data) > 0:  # straddles what was taken: keep the new part only
            self.pending[0:offset + len(data)] = data[-offset:]
        self.position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        end = self.taken + len(self.pending)
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: end}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data = bytes(self.pending)
        self.taken += len(data)
        self.pending = bytearray()
        return data


def wav_stream_header(rate: int) -> bytes:
    unknown = 0xFFFFFFFF
    return (b"RIFF" + struct.pack("<I", unknown) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", unknown))


class StreamEncoder:
    def __init__(self, fmt: str | encoding.Format):
        self.format = encoding.get(fmt)
        if self.format.codec not in STREAMABLE:
            raise encoding.UnknownFormat(f"{self.format.name} cannot be streamed as it is made.")
        self._file = None
        self._drain = None
        self._started = False

    @property
    def content_type(self) -> str:
        return self.format.content_type

    def _open(self):
        import soundfile as sf

        fmt = self.format
        self._drain = _Drain()
        if fmt.codec == "mp3":
            options = {"format": "MP3", "subtype": "MPEG_LAYER_III",
                       "compression_level": encoding.mp3_level(fmt.rate, fmt.kbps), "bitrate_mode": "CONSTANT"}
        else:
            options = {"format": "OGG", "subtype": "OPUS", "compression_level": encoding.opus_level(fmt.kbps)}
        self._file = sf.SoundFile(self._drain, "w", samplerate=fmt.rate, channels=1, **options)

    def feed(self, pcm: bytes, rate: int) -> bytes:
        """The bytes to send for this piece (16-bit mono PCM at ``rate``); may be empty."""
        import numpy as np

        fmt = self.format
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        y = np.clip(encoding.resample(samples, rate, fmt.rate), -1.0, 1.0)
        head = b""
        if not self._started:
            self._started = True
            head = wav_stream_header(fmt.rate) if fmt.codec == "wav" else b""
        if fmt.codec in ("pcm", "wav"):
            return head + (y * 32767.0).round().astype("<i2").tobytes()
        if fmt.codec in ("ulaw", "alaw"):
            return encoding.encode_samples(y, fmt.rate, fmt)
        if self._file is None:
            self._open()
        self._file.write(y)
        return self._drain.take()

    def finish(self) -> bytes:
        """What the encoder still holds (the last MP3 frames, Ogg's last page)."""
        if self._file is None:
            return b""
        self._file.close()
        self._file = None
        return self._drain.take()
