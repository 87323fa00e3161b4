"""Audio out: a stored WAV clip in the format a client asked for (stored clips stay WAV).

    data, content_type, extension = encode(wav_bytes, "mp3_44100_128")
    encoding.get("opus_48000_64").rate        # 48000
    encoding.OPENAI["pcm"]                    # "pcm_24000": OpenAI's response_format names

Format names follow ElevenLabs' ``output_format``: ``<codec>_<sample rate>[_<kbps>]``. Every
name in ``FORMATS`` is made with numpy and soundfile (libsndfile 1.2 encodes MP3 and Ogg/Opus):
no other encoder. ``pcm`` is raw signed 16-bit little-endian mono and ``ulaw``/``alaw`` raw G.711
bytes, all without a header; the others are files. AAC cannot be made (``UnknownFormat``).

Bitrates: MP3 is constant bitrate (libsndfile sets it only when ``compression_level`` and
``bitrate_mode`` are both given; the level maps linearly onto 320-32 kbps at 32 kHz and above,
160-8 kbps below, and 1.0 is refused). Opus has no constant mode in libsndfile: its level is
chosen for the nominal bitrate (about 6 + (1 - level) x 250 kbps per channel).

Resampling is a band-limited FFT resampler (numpy only; sizes chosen 2-3-5-7-smooth so the
transform is fast): the whole clip at once, since clips are complete before they are encoded.
Importing this module imports neither numpy nor soundfile.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from math import gcd
from typing import NamedTuple

DEFAULT = "mp3_44100_128"


class UnknownFormat(ValueError):
    """No such output format here; the message names the ones there are."""


@dataclass(frozen=True)
class Format:
    name: str  # "mp3_44100_128"
    codec: str  # mp3, opus, wav, flac, pcm, ulaw, alaw
    rate: int  # samples per second of the output
    kbps: int | None = None  # mp3 and opus only

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.codec]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.codec]


CONTENT_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "wav": "audio/wav", "flac": "audio/flac",
                 "pcm": "audio/pcm", "ulaw": "audio/basic", "alaw": "audio/x-alaw-basic"}
EXTENSIONS = {"mp3": "mp3", "opus": "ogg", "wav": "wav", "flac": "flac", "pcm": "pcm", "ulaw": "ulaw", "alaw": "alaw"}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # the only input rates Opus accepts


def _formats() -> dict[str, Format]:
    found = [Format("mp3_22050_32", "mp3", 22050, 32), Format("mp3_24000_48", "mp3", 24000, 48)]
    found += [Format(f"mp3_44100_{kbps}", "mp3", 44100, kbps) for kbps in (32, 64, 96, 128, 192)]
    found += [Format(f"opus_48000_{kbps}", "opus", 48000, kbps) for kbps in (32, 64, 96, 128, 192)]
    rates = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
    found += [Format(f"pcm_{rate}", "pcm", rate) for rate in rates]
    found += [Format(f"wav_{rate}", "wav", rate) for rate in rates]
    found += [Format(f"flac_{rate}", "flac", rate) for rate in (22050, 24000, 44100, 48000)]
    found += [Format("ulaw_8000", "ulaw", 8000), Format("alaw_8000", "alaw", 8000)]
    return {fmt.name: fmt for fmt in found}


FORMATS: dict[str, Format] = _formats()

# OpenAI's response_format names; pcm is 24 kHz, as OpenAI's own clients assume.
OPENAI = {"mp3": "mp3_44100_128", "opus": "opus_48000_64", "wav": "wav_24000", "flac": "flac_24000",
          "pcm": "pcm_24000"}


def get(name: str | Format) -> Format:
    if isinstance(name, Format):
        return name
    try:
        return FORMATS[name]
    except (KeyError, TypeError):
        raise UnknownFormat(f"Unknown output format “{str(name)[:40]}”. Use one of: {', '.join(FORMATS)}.") from None


class Encoded(NamedTuple):
    data: bytes
    content_type: str
    extension: str


def encode(wav: bytes, fmt: str | Format = DEFAULT) -> Encoded:
    """The WAV file ``wav`` (any rate; the first channel is used) encoded as ``fmt``."""
    import soundfile as sf

    fmt = get(fmt)
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    return Encoded(encode_samples(samples[:, 0], rate, fmt), fmt.content_type, fmt.extension)


def encode_samples(samples, rate: int, fmt: str | Format) -> bytes:
    """Mono float samples in [-1, 1] at ``rate`` encoded as ``fmt``."""
    import numpy as np
    import soundfile as sf

    fmt = get(fmt)
    y = np.clip(resample(samples, rate, fmt.rate), -1.0, 1.0)
    if fmt.codec == "pcm":
        return (y * 32767.0).round().astype("<i2").tobytes()
    buffer = io.BytesIO()
    if fmt.codec in ("ulaw", "alaw"):
        sf.write(buffer, y, fmt.rate, format="RAW", subtype=fmt.codec.upper())
    elif fmt.codec in ("wav", "flac"):
        sf.write(buffer, y, fmt.rate, format=fmt.codec.upper(), subtype="PCM_16")
    elif fmt.codec == "mp3":
        sf.write(buffer, y, fmt.rate, format="MP3", subtype="MPEG_LAYER_III",
                 compression_level=mp3_level(fmt.rate, fmt.kbps), bitrate_mode="CONSTANT")
    elif fmt.codec == "opus":
        sf.write(buffer, y, fmt.rate, format="OGG", subtype="OPUS", compression_level=opus_level(fmt.kbps))
    else:  # pragma: no cover - every codec in FORMATS is handled above
        raise UnknownFormat(fmt.name)
    return buffer.getvalue()


def mp3_level(rate: int, kbps: int) -> float:
    top, bottom = (320, 32) if rate >= 32000 else (160, 8)
    return min(max((top - kbps) / (top - bottom), 0.0), 0.9999)


def opus_level(kbps: int) -> float:
    return min(max(1.0 - (kbps * 1000 - 6000) / 250000, 0.0), 1.0)


def _smooth_at_least(n: int) -> int:
    """The smallest 2^a 3^b 5^c 7^d >= n (numpy's FFT is fast on these sizes)."""
    best = 1 << max(0, (n - 1).bit_length())
    p7 = 1
    while p7 < best:
        p5 = p7
        while p5 < best:
            p3 = p5
            while p3 < best:
                best = min(best, p3 * (1 << max(0, (-(-n // p3) - 1).bit_length())))
                p3 *= 3
            p5 *= 5
        p7 *= 7
    return best


def resample(samples, rate_in: int, rate_out: int):
    """Mono float32 at ``rate_in`` to ``rate_out``: round(len * rate_out / rate_in) samples.

    Zero-padded to a smooth FFT size whose in/out lengths keep the exact rational ratio, with
    50 ms of reflected signal at each end so the edges do not ring. Truncating the spectrum is
    the ideal low-pass when downsampling (no aliasing)."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float32)
    if rate_in == rate_out or len(x) < 2:
        return x
    g = gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    n = len(x)
    n_out = int(round(n * up / down))
    pad = -(-int(0.05 * rate_in) // down) * down  # a multiple of `down`: a whole output offset
    pad = min(pad, (n - 1) // down * down)
    q = _smooth_at_least(-(-(n + 2 * pad) // down))
    m, m_out = q * down, q * up
    padded = np.zeros(m, dtype=np.float32)
    padded[pad:pad + n] = x
    if pad:
        padded[:pad] = x[pad:0:-1]
        padded[pad + n:pad + n + pad] = x[-2:-pad - 2:-1]
    spectrum = np.fft.rfft(padded)
    out = np.zeros(m_out // 2 + 1, dtype=np.complex64)
    keep = min(len(spectrum), len(out))
    out[:keep] = spectrum[:keep]
    if up < down and m_out % 2 == 0:
        out[-1] = out[-1].real
    y = np.fft.irfft(out, m_out) * (m_out / m)
    offset = pad * up // down
    return y[offset:offset + n_out].astype(np.float32)
