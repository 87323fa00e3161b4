"""Phonemes without a model: espeak-ng as Piper uses it, and pieces cut by phoneme count.

The work of a Piper job (CPU time, and the memory of one ONNX run) grows with the phonemes it
synthesises, not with the characters typed: "999999999999999" is 15 characters and about 100
phonemes. So text is phonemised first (about 0.2 s for 5000 characters, and no ONNX), the job
is refused when it would be too long, and the phonemes are cut into pieces of bounded size.

Importing this module imports no audio library: espeak-ng is loaded from Piper's own
`espeakbridge` extension without importing the `piper` package (which imports onnxruntime),
so the web process can validate a request cheaply. The phonemes are what
piper.PiperVoice.phonemize() returns for an espeak voice (same clause handling, same NFD
decomposition), so validate() and generate() count the same phonemes.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass

# What a clause boundary leaves in the phonemes; a piece that must be cut is cut after the last
# of these that fits, else after the last word, else anywhere.
_CLAUSE_MARKS = (",", ";", ":", ".", "!", "?")
_LANGUAGE_FLAGS = re.compile(r"\([^)]+\)")

_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\n+")
# A full stop after these does not end the sentence ("Dr. Smith", "J. R. R. Tolkien").
_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|Mt|No|vs|etc|e\.g|i\.e|[A-Z])\.$"
)

LOCK = threading.Lock()  # espeak-ng has one global voice and state
_bridge = None


def _espeakbridge():
    """Piper's espeakbridge extension, initialised once, loaded without importing piper."""
    global _bridge
    if _bridge is None:
        if "piper" in sys.modules:
            from piper import espeakbridge as module  # noqa: PLC0415
        elif "piper.espeakbridge" in sys.modules:
            module = sys.modules["piper.espeakbridge"]
        else:
            spec = importlib.util.find_spec("piper")
            if spec is None or not spec.submodule_search_locations:
                raise RuntimeError("piper-tts is not installed")
            folder = spec.submodule_search_locations[0]
            names = [n for n in os.listdir(folder) if n.startswith("espeakbridge.") and not n.endswith(".pyi")]
            bridge_spec = importlib.util.spec_from_file_location(
                "piper.espeakbridge", os.path.join(folder, names[0])
            )
            module = importlib.util.module_from_spec(bridge_spec)
            bridge_spec.loader.exec_module(module)
            # Registered under its real name, so `import piper` later finds this same module.
            sys.modules["piper.espeakbridge"] = module
        data_dir = os.path.join(os.path.dirname(module.__file__), "espeak-ng-data")
        module.initialize(data_dir)
        _bridge = module
    return _bridge


def split_sentences(text: str) -> list[str]:
    """Sentences, where a pause belongs after each: not after "Dr." or an initial."""
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {sentence}"
        else:
            sentences.append(sentence)
    sentences = [" ".join(s.split()) for s in sentences]
    return [s for s in sentences if any(ch.isalnum() for ch in s)]


def sentence_phonemes(text: str, espeak_voice: str, vowel_clusters=None) -> list[list[str]]:
    """The phonemes of each of our sentences (espeak's own sentences inside one, such as
    "Dr." -> "doctor.", joined with a word break: the model pauses briefly at the full stop)."""
    out = []
    for sentence in split_sentences(text):
        parts = phonemize(sentence, espeak_voice, vowel_clusters)
        joined: list[str] = []
        for part in parts:
            if joined:
                joined.append(" ")
            joined.extend(part)
        if joined:
            out.append(joined)
    return out


def phonemize(text: str, espeak_voice: str, vowel_clusters=None) -> list[list[str]]:
    """Phonemes of `text`, grouped by sentence, exactly as Piper's EspeakPhonemizer makes them."""
    with LOCK:
        bridge = _espeakbridge()
        bridge.set_voice(espeak_voice)
        clauses = bridge.get_phonemes(text)
    sentences: list[list[str]] = []
    current: list[str] = []
    for phonemes, terminator, end_of_sentence in clauses:
        phonemes = _LANGUAGE_FLAGS.sub("", phonemes) + terminator
        if terminator in (",", ":", ";"):
            phonemes += " "
        current.extend(unicodedata.normalize("NFD", phonemes))
        if end_of_sentence:
            sentences.append(_merge_vowel_clusters(current, vowel_clusters))
            current = []
    if current:
        sentences.append(_merge_vowel_clusters(current, vowel_clusters))
    return [s for s in sentences if s]


def _merge_vowel_clusters(phonemes: list[str], clusters) -> list[str]:
    if not clusters:
        return phonemes
    longest = max(len(c) for c in clusters)
    merged: list[str] = []
    i = 0
    while i < len(phonemes):
        for n in range(min(longest, len(phonemes) - i), 1, -1):
            if tuple(phonemes[i : i + n]) in clusters:
                merged.append("".join(phonemes[i : i + n]))
                i += n
                break
        else:
            merged.append(phonemes[i])
            i += 1
    return merged


@dataclass(frozen=True)
class Piece:
    """Phonemes synthesised in one ONNX run, and whether a sentence ends with them."""

    phonemes: tuple[str, ...]
    ends_sentence: bool


def cut(sentence: list[str], limit: int) -> list[list[str]]:
    """A sentence's phonemes in parts of at most `limit`, cut after a clause mark, else after
    a word, else (one absurd word) anywhere."""
    parts = []
    rest = list(sentence)
    while len(rest) > limit:
        window = rest[:limit]
        at = max((i for i, p in enumerate(window) if p in _CLAUSE_MARKS), default=-1)
        if at < limit // 3:
            at = max((i for i, p in enumerate(window) if p == " "), default=-1)
        if at < limit // 3:
            at = limit - 1
        parts.append(rest[: at + 1])
        rest = rest[at + 1 :]
        while rest and rest[0] == " ":
            rest.pop(0)
    if rest:
        parts.append(rest)
    return [p for p in parts if any(ch.strip() and ch not in _CLAUSE_MARKS for ch in p)]


def pieces(sentences: list[list[str]], limit: int) -> list[Piece]:
    """Every sentence cut to parts of at most `limit` phonemes, in order."""
    out = []
    for sentence in sentences:
        parts = cut(sentence, limit)
        for index, part in enumerate(parts):
            out.append(Piece(tuple(part), ends_sentence=index == len(parts) - 1))
    return out


def sentence_times(spoken: str, timing: list[tuple[bool, int, int]], rate: int) -> list[tuple[str, float, float]]:
    """(sentence, start s, end s) per sentence of `spoken`, from the samples of its pieces
    (``(ends_sentence, first sample, end sample)`` each, pauses left out); the whole text over
    the whole speech if the pieces do not map onto the sentences one to one."""
    if not timing:
        return []
    sentences = split_sentences(spoken)
    spans, start = [], None
    for ends_sentence, first, end in timing:
        start = first if start is None else start
        if ends_sentence:
            spans.append((start, end))
            start = None
    if start is not None or len(spans) != len(sentences):
        return [(" ".join(sentences) or spoken, timing[0][1] / rate, timing[-1][2] / rate)]
    return [(text, first / rate, end / rate) for text, (first, end) in zip(sentences, spans)]
