import numpy as np
import pytest

from audio.engines import EngineValidationError
from audio.engines.procedural_sfx import VOCABULARY, parse_prompt

from .conftest import decode, rms


class TestProceduralSfx:
    @pytest.mark.parametrize("kind", list(VOCABULARY))
    def test_every_kind_is_audible_and_as_long_as_asked(self, sfx, kind):
        samples, rate = decode(sfx.generate(prompt=kind, duration=2.5, seed=7).wav)

        assert abs(len(samples) / rate - 2.5) <= 0.1
        assert rms(samples) > 0.01

    @pytest.mark.parametrize("duration", [0.5, 5.0, 22.0])
    def test_matches_the_requested_duration(self, sfx, duration):
        samples, rate = decode(
            sfx.generate(prompt="heavy rain and thunder", duration=duration, seed=1).wav
        )

        assert abs(len(samples) / rate - duration) <= 0.1

    def test_reads_the_duration_from_the_prompt(self, sfx):
        samples, rate = decode(sfx.generate(prompt="3 seconds of a ticking clock", seed=1).wav)

        assert abs(len(samples) / rate - 3.0) <= 0.1

    def test_defaults_to_five_seconds(self, sfx):
        samples, rate = decode(sfx.generate(prompt="campfire", seed=1).wav)

        assert abs(len(samples) / rate - 5.0) <= 0.1

    def test_same_prompt_and_seed_give_identical_bytes(self, sfx):
        first = sfx.generate(prompt="birds in the distance", seed=42).wav
        again = sfx.generate(prompt="birds in the distance", seed=42).wav
        other = sfx.generate(prompt="birds in the distance", seed=43).wav

        assert first == again
        assert first != other

    def test_far_is_duller_and_quieter_than_near(self, sfx):
        near, rate = decode(sfx.generate(prompt="explosion nearby", duration=3, seed=5).wav)
        far, _ = decode(sfx.generate(prompt="explosion far away", duration=3, seed=5).wav)

        def brightness(x):
            spectrum = np.abs(np.fft.rfft(x))
            freqs = np.fft.rfftfreq(len(x), 1 / rate)
            return float((spectrum * freqs).sum() / spectrum.sum())

        assert rms(far) < rms(near)
        assert brightness(far) < brightness(near)


class TestParsePrompt:
    def test_understands_kinds_synonyms_and_modifiers(self):
        scene = parse_prompt("Heavy downpour with distant thunder")

        assert scene.kinds == ["rain", "thunder"]
        assert scene.intensity > 1
        assert scene.distance == "far"

    def test_prefers_the_longest_phrase(self):
        assert parse_prompt("a car alarm").kinds == ["alarm"]
        assert parse_prompt("running water").kinds == ["stream"]
        assert parse_prompt("running water").rate == 1.0

    def test_fast_and_slow_change_the_rate(self):
        assert parse_prompt("fast footsteps").rate > 1 > parse_prompt("slow heartbeat").rate

    def test_refuses_a_prompt_outside_the_vocabulary_listing_what_it_can_make(self):
        with pytest.raises(EngineValidationError) as refused:
            parse_prompt("a cat purring on a sofa")

        assert "does not know how to make “a cat purring on a sofa”" in str(refused.value)
        assert "rain, wind, thunder" in str(refused.value)

    def test_refuses_a_duration_out_of_range(self):
        with pytest.raises(EngineValidationError, match="between 0.5 and 22 seconds"):
            parse_prompt("rain for 30 seconds")

    def test_refuses_more_than_three_kinds(self):
        with pytest.raises(EngineValidationError, match="at most 3"):
            parse_prompt("rain, wind, thunder and birds")
