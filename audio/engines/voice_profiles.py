"""The voices shared by the Piper TTS engine and the Praat voice-conversion engine.

There is one real neural voice on board: Piper's `joe` (en_US-joe-medium, a U.S. English male
voice, CC0, median pitch about 90 Hz). `andreas` and `woman`, the ids the original app used,
are derived from it by signal processing, and the descriptions say so. The same pitch, formant
and rate targets are what voice conversion aims at.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Voice


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
        description=(
            "Piper's en_US “joe” neural voice (medium quality, CC0) exactly as the model "
            "speaks it: a U.S. English male voice around 90 Hz."
        ),
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
        description=(
            "A calm male voice derived from Piper's “joe”: median pitch raised to about "
            "110 Hz and formants lifted 4% with Praat's Change gender, spoken 8% slower "
            "(Piper length_scale 1.08)."
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
        description=(
            "A female-range voice derived from Piper's “joe”: median pitch moved to about "
            "210 Hz, formants scaled up 17% and the intonation range widened 10% with Praat's "
            "Change gender, spoken 5% faster (Piper length_scale 0.95). It is a transformed "
            "male recording, not a separately trained voice."
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
