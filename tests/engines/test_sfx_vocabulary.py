import subprocess
import sys
from pathlib import Path

import pytest

from audio.engines import EngineValidationError
from audio.engines.sfx.vocabulary import (
    DURATION_DEFAULT_SECONDS,
    DURATION_MAX_SECONDS,
    DURATION_MIN_SECONDS,
    MODIFIERS,
    VOCABULARY,
    DurationSource,
    Scene,
    duration_in_prompt,
    parse_prompt,
    vocabulary_sentence,
)

ROOT = Path(__file__).resolve().parents[2]


class TestParsePrompt:
    def test_understands_kinds_synonyms_and_modifiers(self):
        scene = parse_prompt("Heavy downpour with distant thunder")

        assert scene.kinds == ("rain", "thunder")
        assert scene.intensity > 1
        assert scene.distance == "far"

    def test_prefers_the_longest_phrase(self):
        assert parse_prompt("a car alarm").kinds == ("alarm",)
        assert parse_prompt("running water").kinds == ("stream",)
        assert parse_prompt("running water").rate == 1.0

    def test_fast_and_slow_change_the_rate(self):
        assert parse_prompt("fast footsteps").rate > 1 > parse_prompt("slow heartbeat").rate

    def test_the_last_of_two_opposite_modifiers_wins(self):
        assert parse_prompt("slow then fast footsteps").rate > 1
        assert parse_prompt("light, no, heavy rain").intensity > 1

    def test_names_each_kind_once(self):
        assert parse_prompt("rain, more rain and a downpour").kinds == ("rain",)

    def test_refuses_a_prompt_outside_the_vocabulary_listing_what_it_can_make(self):
        with pytest.raises(EngineValidationError) as refused:
            parse_prompt("a cat purring on a sofa")

        assert "does not know how to make “a cat purring on a sofa”" in str(refused.value)
        assert "rain, wind, thunder" in str(refused.value)

    def test_refuses_an_empty_prompt(self):
        with pytest.raises(EngineValidationError, match="Describe the sound you want."):
            parse_prompt("   ")

    def test_leaves_the_length_limit_to_the_forms(self):
        assert parse_prompt("rain " * 200).kinds == ("rain",)

    def test_refuses_more_than_three_kinds(self):
        with pytest.raises(EngineValidationError, match="at most 3"):
            parse_prompt("rain, wind, thunder and birds")


class TestDuration:
    def test_limits_are_ordered(self):
        assert DURATION_MIN_SECONDS < DURATION_DEFAULT_SECONDS < DURATION_MAX_SECONDS

    def test_defaults_when_neither_the_request_nor_the_prompt_says(self):
        scene = parse_prompt("rain")

        assert (scene.duration, scene.duration_from) == (5.0, DurationSource.DEFAULT)

    def test_reads_it_from_the_prompt(self):
        scene = parse_prompt("3.5 seconds of rain")

        assert (scene.duration, scene.duration_from) == (3.5, DurationSource.PROMPT)

    def test_an_explicit_duration_wins_over_the_prompt(self):
        scene = parse_prompt("rain for 3 s", duration=8)

        assert (scene.duration, scene.duration_from) == (8.0, DurationSource.REQUEST)

    def test_an_explicit_duration_without_one_in_the_prompt(self):
        scene = parse_prompt("rain", duration="2.5")

        assert (scene.duration, scene.duration_from) == (2.5, DurationSource.REQUEST)

    def test_the_length_in_the_prompt_is_not_taken_for_a_sound(self):
        assert parse_prompt("10 s of rain").kinds == ("rain",)

    @pytest.mark.parametrize(
        "prompt,seconds",
        [
            ("rain for 4 seconds", 4.0),
            ("10 s of rain", 10.0),
            ("3.5 SEC wind", 3.5),
            ("rain", None),
        ],
    )
    def test_duration_in_prompt_finds_the_written_length(self, prompt, seconds):
        assert duration_in_prompt(prompt) == seconds

    def test_duration_in_prompt_leaves_the_range_check_to_its_caller(self):
        assert duration_in_prompt("rain for 30 seconds") == 30.0

    @pytest.mark.parametrize("duration", [0.4, 22.5, -1])
    def test_refuses_an_explicit_duration_out_of_range(self, duration):
        with pytest.raises(EngineValidationError, match="between 0.5 and 22 seconds"):
            parse_prompt("rain", duration=duration)

    def test_refuses_a_duration_in_the_prompt_out_of_range(self):
        with pytest.raises(EngineValidationError, match="between 0.5 and 22 seconds"):
            parse_prompt("rain for 30 seconds")

    def test_refuses_a_duration_that_is_not_a_number(self):
        with pytest.raises(EngineValidationError, match="number of seconds"):
            parse_prompt("rain", duration="long")


class TestVocabulary:
    def test_every_modifier_sets_a_scene_field(self):
        fields = set(Scene.__dataclass_fields__)

        assert {modifier.field for modifier in MODIFIERS.values()} <= fields

    def test_no_word_asks_for_two_kinds(self):
        owners: dict[str, str] = {}
        for kind in VOCABULARY.values():
            for word in kind.synonyms:
                assert owners.setdefault(word, kind.id) == kind.id, word

    def test_the_sentence_lists_every_kind(self):
        sentence = vocabulary_sentence()

        assert all(kind in sentence for kind in VOCABULARY)

    def test_checking_a_prompt_loads_no_numpy(self):
        script = (
            "import sys\n"
            "from audio.engines.base import GenerationRequest\n"
            "from audio.engines.sfx.engine import ProceduralSfxEngine\n"
            "from audio.engines.sfx.vocabulary import vocabulary_sentence\n"
            "request = GenerationRequest(text='light rain', params={'seed': 1})\n"
            "ProceduralSfxEngine().validate(request)\n"
            "vocabulary_sentence()\n"
            "print('numpy' in sys.modules)\n"
        )

        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False"
