import numpy as np
import pytest

from audio.engines import EngineValidationError
from audio.engines.base import GenerationRequest
from audio.engines.sfx import kinds
from audio.engines.sfx.vocabulary import VOCABULARY

from .conftest import decode, rms


def ask(text: str, **params) -> GenerationRequest:
    return GenerationRequest(text=text, params=params)


def similarity(a, b) -> float:
    """How alike two clips sound, at most 1: the lower of the correlations of their 20 ms
    loudness envelopes and of their magnitude spectra (in 100-bin bands)."""

    def envelope(x, size=441):
        frames = len(x) // size
        return np.sqrt(np.mean(x[: frames * size].reshape(frames, size) ** 2, axis=1))

    def spectrum(x, bands=100):
        magnitude = np.abs(np.fft.rfft(x))
        return magnitude[: len(magnitude) // bands * bands].reshape(-1, bands).mean(axis=1)

    return min(
        float(np.corrcoef(envelope(a), envelope(b))[0, 1]),
        float(np.corrcoef(spectrum(a), spectrum(b))[0, 1]),
    )


class TestProceduralSfx:
    @pytest.mark.parametrize("kind", list(VOCABULARY))
    def test_every_kind_is_audible_and_as_long_as_asked(self, sfx, kind):
        samples, rate = decode(sfx.generate(ask(kind, duration=2.5, seed=7)).wav)

        assert rate == 22050
        assert abs(len(samples) / rate - 2.5) <= 0.1
        assert rms(samples) > 0.01

    @pytest.mark.parametrize("duration", [0.5, 5.0, 22.0])
    def test_matches_the_requested_duration(self, sfx, duration):
        request = ask("heavy rain and thunder", duration=duration, seed=1)

        samples, rate = decode(sfx.generate(request).wav)

        assert abs(len(samples) / rate - duration) <= 0.1

    def test_reads_the_duration_from_the_prompt(self, sfx):
        samples, rate = decode(sfx.generate(ask("3 seconds of a ticking clock", seed=1)).wav)

        assert abs(len(samples) / rate - 3.0) <= 0.1

    def test_an_explicit_duration_wins_over_the_prompt(self, sfx):
        request = ask("3 seconds of a ticking clock", duration=1.5, seed=1)

        samples, rate = decode(sfx.generate(request).wav)

        assert abs(len(samples) / rate - 1.5) <= 0.1

    def test_defaults_to_five_seconds(self, sfx):
        samples, rate = decode(sfx.generate(ask("campfire", seed=1)).wav)

        assert abs(len(samples) / rate - 5.0) <= 0.1

    def test_same_prompt_and_seed_give_identical_bytes(self, sfx):
        first = sfx.generate(ask("birds in the distance", seed=42)).wav
        again = sfx.generate(ask("birds in the distance", seed=42)).wav
        other = sfx.generate(ask("birds in the distance", seed=43)).wav

        assert first == again
        assert first != other

    @pytest.mark.parametrize("kind", list(VOCABULARY))
    def test_every_kind_honours_the_seed(self, sfx, kind):
        first = sfx.generate(ask(kind, duration=2.0, seed=1)).wav
        again = sfx.generate(ask(kind, duration=2.0, seed=1)).wav
        other = sfx.generate(ask(kind, duration=2.0, seed=2)).wav

        assert first == again
        assert first != other

    @pytest.mark.parametrize("kind", list(VOCABULARY))
    def test_every_kind_sounds_different_for_another_seed(self, sfx, kind):
        first, _ = decode(sfx.generate(ask(kind, duration=4.0, seed=1)).wav)
        other, _ = decode(sfx.generate(ask(kind, duration=4.0, seed=2)).wav)

        # Differing only in phase is not enough: the loudness over time or the spectrum
        # must change as well.
        assert similarity(first, other) < 0.97

    @pytest.mark.parametrize(
        "kind", ["beep", "alarm", "siren", "phone ringing", "clock ticking", "bell"]
    )
    def test_a_seeded_start_leaves_no_short_clip_silent(self, sfx, kind):
        for seed in range(20):
            samples, _ = decode(sfx.generate(ask(f"slow {kind}", duration=0.5, seed=seed)).wav)

            assert rms(samples) > 0.01, seed

    def test_renders_a_drop_jittered_past_the_end_of_a_short_clip(self, sfx):
        samples, rate = decode(sfx.generate(ask("slow dripping", duration=0.5, seed=13)).wav)

        assert len(samples) == rate // 2

    def test_no_seed_gives_a_fresh_clip_each_time(self, sfx):
        first = sfx.generate(ask("wind", duration=1)).wav
        again = sfx.generate(ask("wind", duration=1)).wav

        assert first != again

    def test_far_is_duller_and_quieter_than_near(self, sfx):
        near, rate = decode(sfx.generate(ask("explosion nearby", duration=3, seed=5)).wav)
        far, _ = decode(sfx.generate(ask("explosion far away", duration=3, seed=5)).wav)

        def brightness(x):
            spectrum = np.abs(np.fft.rfft(x))
            freqs = np.fft.rfftfreq(len(x), 1 / rate)
            return float((spectrum * freqs).sum() / spectrum.sum())

        assert rms(far) < rms(near)
        assert brightness(far) < brightness(near)

    def test_refuses_through_validate_what_generate_would_refuse(self, sfx):
        for request in (ask("a cat purring"), ask("rain", duration=30), ask("rain", seed=-1)):
            with pytest.raises(EngineValidationError):
                sfx.validate(request)
            with pytest.raises(EngineValidationError):
                sfx.generate(request)

    def test_has_one_voice_and_refuses_others(self, sfx):
        assert [voice.id for voice in sfx.voices()] == ["default"]
        sfx.validate(GenerationRequest(voice="default", text="rain"))

        with pytest.raises(EngineValidationError, match="Unknown voice"):
            sfx.validate(GenerationRequest(voice="joe", text="rain"))


def high_passed(samples, rate=22050, cutoff=2000.0):
    spectrum = np.fft.rfft(samples)
    spectrum[np.fft.rfftfreq(len(samples), 1 / rate) < cutoff] = 0
    return np.fft.irfft(spectrum, len(samples))


def excess_kurtosis(samples) -> float:
    """0 for Gaussian noise; large when a few short events stand out of a quieter bed."""
    centred = samples - np.mean(samples)
    return float(np.mean(centred**4) / np.mean(centred**2) ** 2 - 3)


class TestRain:
    DROPS_AUDIBLE = 3.0  # excess kurtosis above 2 kHz, where the drops are

    def test_the_statistic_reads_about_zero_for_noise(self):
        noise = np.random.default_rng(0).standard_normal(5 * 22050)

        assert abs(excess_kurtosis(high_passed(noise))) < 0.3

    @pytest.mark.parametrize("prompt", ["light rain", "heavy rain"])
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_has_drops_that_stand_out_of_the_noise_bed(self, sfx, prompt, seed):
        samples, rate = decode(sfx.generate(ask(prompt, duration=5.0, seed=seed)).wav)

        assert excess_kurtosis(high_passed(samples, rate)) > self.DROPS_AUDIBLE


class TestKinds:
    def test_there_are_twenty_five_kinds_each_with_its_renderer(self):
        renderers = {kind.id: getattr(kinds, kind.renderer, None) for kind in VOCABULARY.values()}

        assert len(renderers) == 25
        assert all(callable(renderer) for renderer in renderers.values()), renderers
