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


def decode_audio(data: bytes):
    """Decode a checked upload to (mono numpy array, sample rate), mixing down block by block."""
    import numpy as np
    import soundfile

    with soundfile.SoundFile(io.BytesIO(data)) as f:
        sample_rate = int(f.samplerate)
        blocks = [block.mean(axis=1) for block in f.blocks(blocksize=262144, dtype="float32", always_2d=True)]
    samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    return samples.astype(np.float64), sample_rate


def normalise_loudness(samples, target_rms_dbfs: float = -20.0, peak_ceiling: float = 0.89):
    """Scale to the target RMS level, but never let a peak pass the ceiling (about -1 dBFS)."""
    import numpy as np

    samples = np.asarray(samples, dtype=np.float64)
    if samples.size == 0:
        return samples
    rms = float(np.sqrt(np.mean(samples**2)))
    peak = float(np.max(np.abs(samples)))
    if rms < 1e-9 or peak < 1e-9:
        return samples
    gain = 10 ** (target_rms_dbfs / 20) / rms
    gain = min(gain, peak_ceiling / peak)
    return samples * gain


def encode_wav(samples, sample_rate: int) -> bytes:
    """Mono float samples in [-1, 1] to 16-bit PCM WAV bytes."""
    import numpy as np

    pcm = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    pcm = np.round(pcm * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
