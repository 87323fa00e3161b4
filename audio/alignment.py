"""When each character of a clip's text is spoken, from the engine's timing.

The engine reports segments: ``(text, start_s, end_s)`` for each sentence it spoke (Piper:
measured in samples, see engines/piper_tts.py and engines/phonemes.sentence_times). Within a
sentence the time is spread over its characters in proportion to their count: sentence-level
timing, not phoneme timing. The sentences' characters are found again in the clip's own text in
order, so the alignment covers exactly the text that was sent; characters no sentence spoke
(line breaks, runs of spaces) share the gap around them. The engine speaks its normalised text
("3 kg" is "three kilograms"); when that is not found in the text, the text's own sentences
take the times if there are as many, and otherwise, or when the engine gave no timing (a
remote GPU engine), the whole text is spread over the clip's duration.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio.engines.phonemes import split_sentences


@dataclass(frozen=True)
class Alignment:
    characters: list[str]
    starts: list[float]
    ends: list[float]

    def as_json(self) -> dict:
        return {"characters": self.characters, "character_start_times_seconds": self.starts,
                "character_end_times_seconds": self.ends}


def _spread(text: str, start: float, end: float) -> list[tuple[float, float]]:
    step = (end - start) / max(len(text), 1)
    return [(start + i * step, start + (i + 1) * step) for i in range(len(text))]


def _match(text: str, segments) -> list[tuple[float, float] | None] | None:
    """Times per character of ``text`` (None where no piece spoke it), or None when a piece's
    characters are not found in order."""
    times: list[tuple[float, float] | None] = [None] * len(text)
    at = 0
    for piece, start, end in segments:
        for char, span in zip(piece, _spread(piece, float(start), float(end))):
            if char.isspace():
                continue
            while at < len(text) and text[at] != char:
                at += 1
            if at == len(text):
                return None
            times[at] = span
            at += 1
    return times


def _fill_gaps(times: list[tuple[float, float] | None]) -> list[tuple[float, float]]:
    """Each run of characters no piece spoke shares the time between its neighbours."""
    filled: list[tuple[float, float]] = []
    index = 0
    while index < len(times):
        if times[index] is not None:
            filled.append(times[index])
            index += 1
            continue
        run_end = index
        while run_end < len(times) and times[run_end] is None:
            run_end += 1
        begin = filled[-1][1] if filled else 0.0
        finish = times[run_end][0] if run_end < len(times) else begin
        filled.extend(_spread("x" * (run_end - index), begin, max(begin, finish)))
        index = run_end
    return filled


def align(text: str, segments, duration: float | None) -> Alignment:
    """Per-character times for ``text`` from ``segments`` (or the clip's ``duration``)."""
    text = text or ""
    times = _match(text, segments) if segments else None
    if times is None and segments:
        own = split_sentences(text)  # the engine's sentences, before normalisation
        if len(own) == len(segments):
            times = _match(text, [(sentence, start, end) for sentence, (_t, start, end) in zip(own, segments)])
    if times is None or all(t is None for t in times):
        if segments:
            duration = float(segments[-1][2])
        times = list(_spread(text, 0.0, float(duration or 0.0)))
    spans = _fill_gaps(times)
    return Alignment(characters=list(text), starts=[round(s, 3) for s, _ in spans],
                     ends=[round(e, 3) for _, e in spans])


def normalized(segments, duration: float | None, text: str) -> Alignment:
    """The same over the text as the engine spoke it (pieces joined by one space)."""
    if not segments:
        return align(" ".join((text or "").split()), None, duration)
    return align(" ".join(piece for piece, _start, _end in segments), segments, duration)
