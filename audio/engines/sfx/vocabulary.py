"""What the sound-effect engine understands: its kinds, their words, the modifiers, the
duration limits and the prompt parser.

Imports no numpy, so the web process can validate a prompt and list the vocabulary cheaply;
the signal code lives in `dsp` and `kinds`, and `engine` loads it on the first render.

A prompt may name up to three kinds ("rain and thunder", "footsteps in the rain"); they are
mixed. Modifiers: heavy / light (density and level), near / far (far is quieter, duller and
reverberant), fast / slow (rate of events). Duration 0.5-22 s, default 5. A duration may also
be written in the prompt ("3 seconds", "10 s"); an explicit duration wins over it, and the
parsed Scene says which one was used. A prompt with no known kind is refused with the list
of kinds.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

from ..base import EngineValidationError

DURATION_MIN_SECONDS = 0.5
DURATION_MAX_SECONDS = 22.0
DURATION_DEFAULT_SECONDS = 5.0
MAX_KINDS_PER_PROMPT = 3


@dataclass(frozen=True)
class SoundKind:
    id: str
    synonyms: tuple[str, ...]
    description: str
    renderer: str  # the name of its function in sfx/kinds.py


@dataclass(frozen=True)
class Modifier:
    id: str
    synonyms: tuple[str, ...]
    description: str
    field: str  # the Scene field it sets...
    value: float | str  # ...to this


class DurationSource(StrEnum):
    REQUEST = "request"  # the explicit duration parameter
    PROMPT = "prompt"  # a length written in the prompt: "3 seconds"
    DEFAULT = "default"  # neither: DURATION_DEFAULT_SECONDS


@dataclass(frozen=True)
class Scene:
    """One request, parsed: what to render and how."""

    kinds: tuple[str, ...]
    duration: float
    duration_from: DurationSource = DurationSource.DEFAULT
    intensity: float = 1.0  # heavy > 1 > light
    rate: float = 1.0  # fast > 1 > slow
    distance: str = "normal"  # near / normal / far


VOCABULARY: dict[str, SoundKind] = {
    kind.id: kind
    for kind in (
        SoundKind(
            "rain",
            (
                "rain",
                "rainfall",
                "raining",
                "drizzle",
                "downpour",
                "raindrop",
                "rainstorm",
                "shower",
            ),
            "A bed of falling rain with individual drops; heavy means a downpour.",
            "rain",
        ),
        SoundKind(
            "wind",
            ("wind", "windy", "breeze", "gust", "gale", "howling wind", "blizzard"),
            "Gusting wind in several bands with an occasional whistle.",
            "wind",
        ),
        SoundKind(
            "thunder",
            ("thunder", "thunderclap", "thunderstorm", "lightning", "storm", "rumble of thunder"),
            "A crack followed by a long rolling rumble; another roll every ~7 s.",
            "thunder",
        ),
        SoundKind(
            "ocean waves",
            ("ocean waves", "ocean", "waves", "wave", "sea", "surf", "beach", "seashore", "shore"),
            "Waves building, breaking and receding every ~7 s.",
            "ocean",
        ),
        SoundKind(
            "fire",
            ("fire", "campfire", "fireplace", "bonfire", "flames", "flame", "crackling", "burning"),
            "A low roar with random crackles and pops.",
            "fire",
        ),
        SoundKind(
            "footsteps",
            ("footsteps", "footstep", "steps", "walking", "walk", "walks", "stomping", "stomp"),
            "Alternating heel-and-toe steps (fast: jogging pace).",
            "footsteps",
        ),
        SoundKind(
            "door knock",
            ("door knock", "knocking", "knock", "knocks", "knocking on a door", "rap on the door"),
            "Groups of two to four knocks on a wooden door.",
            "door_knock",
        ),
        SoundKind(
            "clock ticking",
            ("clock ticking", "clock", "ticking", "tick tock", "tick-tock", "ticktock", "tick"),
            "A mechanical clock's alternating tick and tock.",
            "clock",
        ),
        SoundKind(
            "heartbeat",
            ("heartbeat", "heart beat", "heart", "pulse", "heartbeats", "heart beating"),
            "Lub-dub heartbeats at ~66 bpm (fast: racing heart).",
            "heartbeat",
        ),
        SoundKind(
            "applause",
            ("applause", "applauding", "clapping", "claps", "clap", "ovation", "audience clapping"),
            "A crowd clapping, fading in and out.",
            "applause",
        ),
        SoundKind(
            "engine",
            ("engine", "motor", "car engine", "idling", "idle engine", "motorbike", "truck", "car"),
            "A combustion engine idling (fast: revving higher).",
            "engine",
        ),
        SoundKind(
            "whoosh",
            (
                "whoosh",
                "woosh",
                "swoosh",
                "swish",
                "swoop",
                "swipe",
                "transition",
                "fly by",
                "flyby",
            ),
            "Sweeping air passes, low to high to low.",
            "whoosh",
        ),
        SoundKind(
            "explosion",
            ("explosion", "explode", "exploding", "blast", "boom", "bomb", "detonation", "kaboom"),
            "An impact, a burst of debris noise and a long low rumble.",
            "explosion",
        ),
        SoundKind(
            "beep",
            ("beep", "beeping", "beeps", "bleep", "ping", "microwave beep", "censor beep"),
            "A beep near 1 kHz once a second.",
            "beep",
        ),
        SoundKind(
            "alarm",
            (
                "alarm",
                "alarm clock",
                "fire alarm",
                "car alarm",
                "buzzer",
                "warning signal",
                "smoke alarm",
            ),
            "Rapid high four-beep bursts of an alarm clock.",
            "alarm",
        ),
        SoundKind(
            "siren",
            (
                "siren",
                "police siren",
                "ambulance",
                "police",
                "fire truck",
                "fire engine",
                "emergency vehicle",
            ),
            "A rising and falling wail (fast: yelp).",
            "siren",
        ),
        SoundKind(
            "birds",
            (
                "birds",
                "bird",
                "birdsong",
                "bird song",
                "chirping",
                "chirp",
                "tweeting",
                "songbird",
                "dawn chorus",
            ),
            "A few birds singing short chirping phrases.",
            "birds",
        ),
        SoundKind(
            "crickets",
            (
                "crickets",
                "cricket",
                "insects",
                "night insects",
                "cicadas",
                "cicada",
                "summer night",
            ),
            "Crickets chirping in pulse trains around 4-5 kHz.",
            "crickets",
        ),
        SoundKind(
            "stream",
            (
                "stream",
                "brook",
                "creek",
                "river",
                "running water",
                "flowing water",
                "babbling",
                "water flowing",
                "waterfall",
            ),
            "Flowing water with bubbling.",
            "stream",
        ),
        SoundKind(
            "bell",
            ("bell", "bells", "church bell", "chime", "chimes", "ding", "gong", "bell tolling"),
            "A struck bell with inharmonic partials, every ~2.5 s (heavy: a big low bell).",
            "bell",
        ),
        SoundKind(
            "typing",
            ("typing", "keyboard", "typewriter", "keystrokes", "key presses", "computer keyboard"),
            "Bursts of keystrokes with pauses between words.",
            "typing",
        ),
        SoundKind(
            "helicopter",
            ("helicopter", "chopper", "rotor", "rotor blades"),
            "Rotor blade slaps with turbine whine.",
            "helicopter",
        ),
        SoundKind(
            "phone ringing",
            ("phone ringing", "phone", "telephone", "ringtone", "phone ring", "telephone ringing"),
            "A double-ring telephone (400 + 450 Hz, UK cadence).",
            "phone",
        ),
        SoundKind(
            "dripping",
            (
                "dripping",
                "drip",
                "drips",
                "water drop",
                "water drops",
                "leaking tap",
                "faucet",
                "dripping tap",
            ),
            "Single water drops falling into water, in a small room.",
            "dripping",
        ),
        SoundKind(
            "static",
            (
                "static",
                "radio static",
                "white noise",
                "hiss",
                "crackle",
                "tv static",
                "interference",
            ),
            "Radio static: hiss with crackles.",
            "static",
        ),
    )
}

MODIFIERS: dict[str, Modifier] = {
    m.id: m
    for m in (
        Modifier(
            "heavy",
            (
                "heavy",
                "heavily",
                "strong",
                "intense",
                "loud",
                "big",
                "hard",
                "violent",
                "torrential",
                "huge",
                "massive",
                "pouring",
            ),
            "More events and more energy.",
            "intensity",
            1.6,
        ),
        Modifier(
            "light",
            (
                "light",
                "lightly",
                "soft",
                "gentle",
                "gently",
                "quiet",
                "faint",
                "small",
                "little",
                "weak",
                "calm",
            ),
            "Fewer events, quieter.",
            "intensity",
            0.55,
        ),
        Modifier(
            "near",
            ("near", "nearby", "close", "close up", "close-up", "up close"),
            "Close and dry (the default).",
            "distance",
            "near",
        ),
        Modifier(
            "far",
            ("far", "far away", "faraway", "distant", "in the distance", "remote", "muffled"),
            "Quieter, duller and reverberant.",
            "distance",
            "far",
        ),
        Modifier(
            "fast",
            ("fast", "quick", "quickly", "rapid", "rapidly", "running", "hurried", "racing"),
            "Events come quicker.",
            "rate",
            1.7,
        ),
        Modifier(
            "slow",
            ("slow", "slowly", "lazy", "leisurely", "steady"),
            "Events come slower.",
            "rate",
            0.6,
        ),
    )
}

_DURATION_IN_PROMPT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)\b")


def clean_prompt(prompt: str) -> str:
    """The prompt, stripped. Its length limit is the form's business, not the engine's."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise EngineValidationError("Describe the sound you want.")
    return prompt.strip()


def clean_duration(duration: float | None) -> float | None:
    if duration is None:
        return None
    try:
        duration = float(duration)
    except (TypeError, ValueError):
        raise EngineValidationError("The duration must be a number of seconds.") from None
    if not DURATION_MIN_SECONDS <= duration <= DURATION_MAX_SECONDS:
        raise EngineValidationError(
            f"The duration must be between {DURATION_MIN_SECONDS:g} and "
            f"{DURATION_MAX_SECONDS:g} seconds."
        )
    return duration


def duration_in_prompt(prompt: str) -> float | None:
    """The length written in the prompt ("3 seconds", "10 s"), unchecked, or None."""
    found = _DURATION_IN_PROMPT.search(prompt.lower()) if isinstance(prompt, str) else None
    return float(found.group(1)) if found else None


def vocabulary_sentence() -> str:
    return (
        "It can make: " + ", ".join(VOCABULARY) + ". You can add heavy or light, near or far, "
        "fast or slow, and a length such as “3 seconds”."
    )


def parse_prompt(prompt: str, duration: float | None = None) -> Scene:
    """The Scene a prompt asks for. An explicit `duration` wins over one in the prompt;
    `Scene.duration_from` says which was used."""
    prompt = clean_prompt(prompt)
    duration = clean_duration(duration)
    duration_from = DurationSource.REQUEST if duration is not None else DurationSource.DEFAULT
    text = prompt.lower()
    in_prompt = _DURATION_IN_PROMPT.search(text)
    if in_prompt:
        text = text[: in_prompt.start()] + " " + text[in_prompt.end() :]
        if duration is None:
            duration = clean_duration(float(in_prompt.group(1)))
            duration_from = DurationSource.PROMPT
    kinds_found = _find({k: v.synonyms for k, v in VOCABULARY.items()}, text)
    kinds = tuple(dict.fromkeys(key for _s, _e, key in kinds_found))
    if not kinds:
        raise EngineValidationError(
            f"The sound-effect generator does not know how to make “{prompt[:80]}”. "
            + vocabulary_sentence()
        )
    if len(kinds) > MAX_KINDS_PER_PROMPT:
        raise EngineValidationError(
            f"Ask for at most {MAX_KINDS_PER_PROMPT} sounds at once "
            f"(this asks for {', '.join(kinds)})."
        )
    for start, end, _key in reversed(kinds_found):
        text = text[:start] + " " + text[end:]
    settings = {}  # in prompt order, so the last of "fast ... slow" wins
    for _s, _e, key in _find({k: v.synonyms for k, v in MODIFIERS.items()}, text):
        settings[MODIFIERS[key].field] = MODIFIERS[key].value
    scene = Scene(
        kinds=kinds,
        duration=duration if duration is not None else DURATION_DEFAULT_SECONDS,
        duration_from=duration_from,
    )
    return dataclasses.replace(scene, **settings)


def _find(phrases: dict[str, tuple[str, ...]], text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, id) matches, longest phrases first, in text order."""
    candidates = []
    for key, words in phrases.items():
        for word in words:
            for match in re.finditer(rf"\b{re.escape(word)}(?:s|es)?\b", text):
                candidates.append((match.start(), match.end(), key))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, key in candidates:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, key))
    return sorted(taken)
