"""Each streamable format, fed piece by piece, decodes to the audio it was given."""

import io

import numpy as np
import pytest
import soundfile as sf

from audio import encoding
from audio.stream_encoding import STREAMABLE, StreamEncoder

RATE = 22050


def speech_like(seconds: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    y = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (y * 32767).round().astype("<i2").tobytes()


def streamed(name: str, pieces: list[bytes]) -> list[bytes]:
    encoder = StreamEncoder(name)
    return [encoder.feed(piece, RATE) for piece in pieces] + [encoder.finish()]


@pytest.mark.parametrize("name", ["mp3_44100_128", "mp3_22050_32", "opus_48000_64", "wav_24000"])
def test_a_file_format_decodes_to_the_fed_duration_and_starts_with_the_first_piece(name):
    pieces = [speech_like(s) for s in (1.3, 2.0, 0.7, 3.1)]
    chunks = streamed(name, pieces)
    assert chunks[0], "the first piece must give bytes to send at once"
    if name.startswith("wav"):  # a streamed WAV's sizes say "unknown": count the samples after the header
        data = b"".join(chunks)
        assert data[:4] == b"RIFF" and data[36:40] == b"data"
        seconds = (len(data) - 44) / 2 / 24000
    else:
        samples, rate = sf.read(io.BytesIO(b"".join(chunks)))
        seconds = len(samples) / rate
    assert seconds == pytest.approx(7.1, abs=0.1)


@pytest.mark.parametrize("name", ["pcm_22050", "pcm_16000", "ulaw_8000"])
def test_a_raw_format_is_the_samples_at_its_rate(name):
    fmt = encoding.get(name)
    chunks = streamed(name, [speech_like(1.0), speech_like(2.5)])
    width = 2 if fmt.codec == "pcm" else 1
    assert sum(len(c) for c in chunks) / width / fmt.rate == pytest.approx(3.5, abs=0.01)
    assert all(chunks[:2])


def test_pcm_at_the_engine_rate_is_the_pieces_unchanged():
    pieces = [speech_like(0.5), speech_like(0.25)]
    assert b"".join(streamed("pcm_22050", pieces)) == b"".join(pieces)


def test_flac_cannot_be_streamed_and_every_other_format_can():
    with pytest.raises(encoding.UnknownFormat):
        StreamEncoder("flac_22050")
    assert {fmt.codec for fmt in encoding.FORMATS.values()} - STREAMABLE == {"flac"}


def test_a_rewrite_of_bytes_already_sent_is_dropped_and_new_bytes_are_kept():
    """libsndfile seeks back to the start at close to fill in its header: those bytes are sent
    already, so the rewrite must not land in the next chunk."""
    from audio.stream_encoding import _Drain

    drain = _Drain()
    drain.write(b"HEADER....frames")
    assert drain.take() == b"HEADER....frames"
    drain.seek(0)
    drain.write(b"XING")  # the rewrite
    drain.seek(0, io.SEEK_END)
    drain.write(b"last")
    drain.seek(14)  # straddles: 2 bytes sent, then 2 new ones
    drain.write(b"--ab")
    assert drain.take() == b"abst"
