"""audio/encoding.py: every output format decodes again at its rate and to the clip's length."""

import io

import numpy as np
import pytest
import soundfile as sf

from audio import encoding
from tests.factories import wav_bytes

SECONDS = 2.0
SOURCE = wav_bytes(SECONDS, rate=22050, freq=220.0)


def decoded(data: bytes, fmt: encoding.Format) -> tuple[np.ndarray, int]:
    if fmt.codec == "pcm":
        return np.frombuffer(data, "<i2").astype(np.float32) / 32768, fmt.rate
    if fmt.codec in ("ulaw", "alaw"):
        samples, rate = sf.read(io.BytesIO(data), samplerate=fmt.rate, channels=1, format="RAW",
                                subtype=fmt.codec.upper(), dtype="float32")
        return samples, rate
    samples, rate = sf.read(io.BytesIO(data), dtype="float32")
    return samples, rate


@pytest.mark.parametrize("name", list(encoding.FORMATS))
def test_every_format_decodes_at_its_rate_and_length(name):
    fmt = encoding.get(name)

    data, content_type, extension = encoding.encode(SOURCE, name)

    samples, rate = decoded(data, fmt)
    assert rate == fmt.rate and content_type == fmt.content_type and extension == fmt.extension
    slack = 0.07 if fmt.codec == "mp3" and fmt.kbps and fmt.kbps <= 48 else 0.01  # no gapless tag in tiny frames
    assert abs(len(samples) / rate - SECONDS) <= slack
    middle = samples[len(samples) // 4: 3 * len(samples) // 4]
    assert 0.05 < float(np.sqrt(np.mean(middle**2))) < 0.5  # the tone came through, not silence or noise


@pytest.mark.parametrize(("name", "kbps"), [("mp3_44100_128", 128), ("mp3_44100_64", 64), ("mp3_44100_192", 192),
                                            ("mp3_22050_32", 32)])
def test_mp3_is_constant_bitrate_at_the_named_rate(name, kbps):
    data = encoding.encode(wav_bytes(4.0, rate=22050), name).data

    headers = [i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xFB, 0xF3)][:1]
    assert headers and headers[0] == 0  # starts with a frame, no ID3 tag
    assert abs(len(data) * 8 / 4.0 / 1000 - kbps) < kbps * 0.1


def test_the_resampler_keeps_a_tone_and_leaves_no_alias():
    rate = 22050
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t) + 0.5 * np.sin(2 * np.pi * 10000 * t)).astype(np.float32)

    down = encoding.resample(tone, rate, 16000)

    spectrum = np.abs(np.fft.rfft(down))
    freqs = np.fft.rfftfreq(len(down), 1 / 16000)
    assert len(down) == 16000
    assert spectrum[np.argmin(abs(freqs - 1000))] > 1000 * spectrum[np.argmin(abs(freqs - 6000))]  # 10 kHz folds to 6 kHz


def test_openai_names_and_unknown_formats():
    assert encoding.get(encoding.OPENAI["pcm"]).rate == 24000
    assert encoding.get(encoding.OPENAI["opus"]).codec == "opus"
    with pytest.raises(encoding.UnknownFormat, match="Unknown output format “aac_44100”"):
        encoding.get("aac_44100")
