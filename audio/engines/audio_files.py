"""Reading uploads and writing WAV: probe_audio() for the upload form, and the helpers the
local engines use to decode input and encode mono 16-bit PCM WAV.

Uploads are recognised by content, never by file name: the magic bytes must say WAV, MP3, OGG
or FLAC, and the whole file must then decode (libsndfile, bundled with the `soundfile` wheel,
reads all four, MP3 included since libsndfile 1.1).
"""

from __future__ import annotations

import io
import logging
import wave
from dataclasses import dataclass

from .base import EngineValidationError

logger = logging.getLogger(__name__)

UPLOAD_MIN_SECONDS = 0.1
# Decoding cost grows with rate × channels, not with the file's size (silence compresses to
# nothing in FLAC), so both are capped: 96 kHz stereo × 5 min stays near 230 MB of samples.
UPLOAD_MAX_SAMPLE_RATE = 96_000
UPLOAD_MAX_CHANNELS = 2
ACCEPTED = "WAV, MP3, OGG or FLAC"

_FORMATS = {
    "wav": ("WAV", ".wav"),
    "flac": ("FLAC", ".flac"),
    "ogg": ("OGG", ".ogg"),
    "mp3": ("MP3", ".mp3"),
}


@dataclass(frozen=True)
class AudioInfo:
    format: str  # "WAV", "MP3", "OGG" or "FLAC"
    duration_seconds: float
    sample_rate: int
    extension: str  # with the dot: ".wav", ".mp3", ".ogg", ".flac"


def sniff_format(data: bytes) -> str | None:
    """The container named by the first bytes: "wav", "flac", "ogg", "mp3" or None."""
    head = data[:12]
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "mp3"  # bare MPEG audio frame sync
    return None


def _looks_like_text(data: bytes) -> str | None:
    start = data[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if start.startswith(b"<?xml") or start.startswith(b"<svg"):
        return "an XML document"
    if start.startswith(b"%pdf"):
        return "a PDF document"
    try:
        data[:512].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "a text file"


def probe_audio(data: bytes, *, max_seconds: float | None = None) -> AudioInfo:
    """Check an upload and describe it, or raise EngineValidationError in plain words.

    ``max_seconds`` (the upload limit, from settings) stops decoding as soon as the recording
    is known to be too long. Size limits are checked by the caller before the bytes are read.
    """
    if not data:
        raise EngineValidationError("The file is empty.")
    kind = sniff_format(data)
    if kind is None:
        looks = _looks_like_text(data)
        what = f"it looks like {looks}" if looks else "its format is not one we know"
        raise EngineValidationError(
            f"This file is not audio we can read ({what}). Upload a {ACCEPTED} file."
        )

    import soundfile

    frames = 0
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as f:
            sample_rate = int(f.samplerate)
            if sample_rate > UPLOAD_MAX_SAMPLE_RATE:
                raise EngineValidationError(
                    f"The recording's sample rate is {sample_rate / 1000:g} kHz; the limit is "
                    f"{UPLOAD_MAX_SAMPLE_RATE // 1000} kHz. Export it at 48 kHz and try again."
                )
            if f.channels > UPLOAD_MAX_CHANNELS:
                raise EngineValidationError(
                    f"The recording has {f.channels} channels; upload a mono or stereo file."
                )
            limit = int(max_seconds * sample_rate) + sample_rate // 10 if max_seconds else None
            for block in f.blocks(blocksize=65536, dtype="float32", always_2d=True):
                frames += len(block)
                if limit is not None and frames > limit:
                    break
    except (RuntimeError, soundfile.LibsndfileError, EOFError, ValueError, OverflowError, MemoryError) as exc:
        # The library's words (object reprs, "SF_INFO struct incomplete") go to the log only.
        logger.info("unreadable %s upload: %s: %s", kind, type(exc).__name__, exc)
        raise EngineValidationError(
            f"This {_FORMATS[kind][0]} file is damaged or unreadable. Upload a {ACCEPTED} file."
        ) from None
    duration = frames / sample_rate if sample_rate else 0.0
    if max_seconds is not None and duration > max_seconds + 0.05:
        raise EngineValidationError(
            f"The recording is longer than {_minutes_or_seconds(max_seconds)}; trim it and try again."
        )
    if duration < UPLOAD_MIN_SECONDS:
        raise EngineValidationError("The recording contains no audio (or less than 0.1 seconds).")
    label, extension = _FORMATS[kind]
    return AudioInfo(
        format=label,
        duration_seconds=round(duration, 3),
        sample_rate=sample_rate,
        extension=extension,
    )


def _minutes_or_seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} seconds"


# Voice conversion works at up to this rate: more only multiplies the memory and time of
# Praat's analysis (a 96 kHz stereo upload of 5 minutes peaked the worker at 1.6 GB).
DECODE_MAX_SAMPLE_RATE = 48_000
_BLOCK_FRAMES = 262_144


def decode_audio(data: bytes, max_sample_rate: int = DECODE_MAX_SAMPLE_RATE):
    """Decode a checked upload to (mono float32 numpy array, sample rate).

    Read block by block, mixed down to mono, and above `max_sample_rate` low-pass filtered and
    decimated by a whole factor (96 kHz -> 48 kHz, 88.2 kHz -> 44.1 kHz, 64 kHz -> 32 kHz), so
    no copy of the whole recording at its original rate and channel count is ever held.
    """
    import numpy as np
    import soundfile

    with soundfile.SoundFile(io.BytesIO(data)) as f:
        sample_rate = int(f.samplerate)
        factor = -(-sample_rate // max_sample_rate) if max_sample_rate else 1
        decimate = _Decimator(factor) if factor > 1 else None
        blocks = []
        for block in f.blocks(blocksize=_BLOCK_FRAMES, dtype="float32", always_2d=True):
            mono = block.mean(axis=1, dtype=np.float32)
            blocks.append(decimate(mono) if decimate else mono)
        if decimate:
            blocks.append(decimate(None))
    samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    return samples, sample_rate // factor if decimate else sample_rate


class _Decimator:
    """Streaming low-pass FIR (windowed sinc, cutoff 0.45 of the new rate) and keep every
    `factor`-th sample; fed block by block, flushed with None."""

    def __init__(self, factor: int, taps_per_factor: int = 32):
        import numpy as np

        self.factor = factor
        n = taps_per_factor * factor + 1
        t = np.arange(n) - (n - 1) / 2
        cutoff = 0.45 / factor  # of the input rate, i.e. 0.9 x the new Nyquist frequency
        kernel = 2 * cutoff * np.sinc(2 * cutoff * t) * np.blackman(n)
        self.kernel = (kernel / kernel.sum()).astype(np.float32)
        self.history = np.zeros(n - 1, dtype=np.float32)
        self.delay = self.tail = (n - 1) // 2  # the filter's delay, dropped so the output lines up
        self.phase = 0  # index in the next filtered block of the next kept sample

    def __call__(self, block):
        import numpy as np

        if block is None:  # flush: push the filter's delay out with zeros
            block = np.zeros(self.tail, dtype=np.float32)
        joined = np.concatenate([self.history, block])
        filtered = np.convolve(joined, self.kernel, mode="valid").astype(np.float32)
        self.history = joined[len(joined) - len(self.history) :]
        if self.delay:  # the first outputs are the filter filling up
            skip = min(self.delay, len(filtered))
            filtered = filtered[skip:]
            self.delay -= skip
        kept = filtered[self.phase :: self.factor]
        self.phase = (self.phase - len(filtered)) % self.factor
        return kept


def loudness_gain(samples, target_rms_dbfs: float = -20.0, peak_ceiling: float = 0.89) -> float:
    """The gain that brings `samples` to the target RMS level without a peak passing the
    ceiling (about -1 dBFS); measured block by block, no copy of the whole."""
    import numpy as np

    samples = np.asarray(samples)
    if samples.size == 0:
        return 1.0
    squares = 0.0
    peak = 0.0
    for i in range(0, samples.size, _BLOCK_FRAMES):
        block = samples[i : i + _BLOCK_FRAMES].astype(np.float64)
        squares += float(np.dot(block, block))
        peak = max(peak, float(np.max(np.abs(block))))
    rms = (squares / samples.size) ** 0.5
    if rms < 1e-9 or peak < 1e-9:
        return 1.0
    return min(10 ** (target_rms_dbfs / 20) / rms, peak_ceiling / peak)


def normalise_loudness(samples, target_rms_dbfs: float = -20.0, peak_ceiling: float = 0.89):
    """Scale to the target RMS level, but never let a peak pass the ceiling (about -1 dBFS).
    A float32 copy."""
    import numpy as np

    gain = loudness_gain(samples, target_rms_dbfs, peak_ceiling)
    out = np.array(samples, dtype=np.float32)
    out *= np.float32(gain)
    return out


def encode_wav(samples, sample_rate: int, gain: float = 1.0) -> bytes:
    """Mono float samples in [-1, 1] (times `gain`) to 16-bit PCM WAV bytes, converted block
    by block."""
    import numpy as np

    samples = np.asarray(samples)
    return wav_from_pcm16(
        (
            np.round(np.clip(samples[i : i + _BLOCK_FRAMES] * gain, -1.0, 1.0) * 32767).astype("<i2")
            for i in range(0, samples.size, _BLOCK_FRAMES)
        ),
        sample_rate,
    )


def wav_from_pcm16(chunks, sample_rate: int) -> bytes:
    """Mono 16-bit PCM WAV bytes from int16 arrays, written one after the other."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        for chunk in chunks:
            out.writeframes(chunk)
    return buffer.getvalue()
