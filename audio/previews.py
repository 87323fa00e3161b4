"""Voice previews: one short sentence per voice, made by the worker, served to the studio.

A preview lives in default storage at ``voice-previews/<service>/<voice-id>-<hash>.wav``; the
hash covers the engine, the voice's name and description and the sentence, so a changed voice
gets a new preview. The worker makes missing previews at start-up (``run_worker``, in a
background thread) and ``manage.py make_voice_previews`` does the same by hand. The web process
only lists what exists (one storage listing per service, cached for a minute) and streams it;
it never loads a model.

Text to speech: the engine speaks the sentence in each voice. Voice changer: a target voice
that is also a TTS voice is the same sentence spoken in that voice (what a conversion to it
aims at); any other target voice is the first TTS voice's sentence converted by the
voice-changer engine.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from audio import engines, storage
from audio.engines import Engine, GenerationRequest, Voice, registry

logger = logging.getLogger(__name__)

PREFIX = "voice-previews"
SERVICES = tuple(spec.id for spec in registry.SERVICES if spec.has_voices)  # sound effects have no voices
TTS = registry.TEXT_TO_SPEECH.id
LISTING_CACHE_SECONDS = 60
LISTING_FAILED_CACHE_SECONDS = 10  # storage down: no preview buttons, and no listing per page view
VERSION = "1"  # bump to remake every preview


def sentence(voice: Voice) -> str:
    return f"Hello! This is {voice.name}. This is how I sound."


@dataclass(frozen=True)
class Preview:
    service: str
    voice: Voice
    key: str


def _key(service: str, voice: Voice, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((VERSION, voice.id, voice.name, voice.description, *parts)).encode())
    return f"{PREFIX}/{service}/{voice.id}-{digest.hexdigest()[:12]}.wav"


def _tts_voices() -> dict[str, Voice]:
    return {voice.id: voice for voice in engines.get_engine(TTS).voices()}


def previews_for(service: str) -> list[Preview]:
    """The previews `service`'s current voices should have (made or not)."""
    if service not in SERVICES:
        return []
    engine = engines.get_engine(service)
    tts = engines.get_engine(TTS)
    tts_voices = _tts_voices()
    previews = []
    for voice in engine.voices():
        if service == TTS:
            key = _key(service, voice, engine.engine_name, sentence(voice))
        else:
            spoken_by = tts_voices.get(voice.id)
            if spoken_by is not None:
                key = _key(service, voice, tts.engine_name, spoken_by.description, sentence(voice))
            else:
                key = _key(service, voice, tts.engine_name, engine.engine_name, sentence(voice))
        previews.append(Preview(service, voice, key))
    return previews


def preview_for(service: str, voice_id: str) -> Preview | None:
    return next((p for p in previews_for(service) if p.voice.id == voice_id), None)


# -- what the web process asks -----------------------------------------------------------


def _listing_cache_key(service: str) -> str:
    return f"voice-previews:{service}"


def _stored_names(service: str) -> frozenset[str]:
    """The file names under ``voice-previews/<service>/``: one storage listing a minute."""
    names = cache.get(_listing_cache_key(service))
    if names is None:
        try:
            names = frozenset(default_storage.listdir(f"{PREFIX}/{service}")[1])
        except (FileNotFoundError, NotADirectoryError):
            names = frozenset()
        cache.set(_listing_cache_key(service), names, LISTING_CACHE_SECONDS)
    return names


def available(service: str, voices: list[Voice]) -> set[str]:
    """Ids of those `voices` of `service` whose current preview has been made."""
    if service not in SERVICES or not voices:
        return set()
    try:
        stored = _stored_names(service)
        wanted = {p.voice.id: p.key.rsplit("/", 1)[1] for p in previews_for(service)}
    except Exception as exc:  # noqa: BLE001 - a missing preview button must not break the page
        if not storage.backend_down(exc):
            logger.exception("Could not list the %s voice previews.", service)
            return set()
        logger.warning("Could not list the %s voice previews: storage unavailable (%s: %s).", service,
                       type(exc).__name__, exc)
        cache.set(_listing_cache_key(service), frozenset(), LISTING_FAILED_CACHE_SECONDS)
        return set()
    return {voice.id for voice in voices if wanted.get(voice.id) in stored}


# -- what the worker does ----------------------------------------------------------------


def _wav_of(result) -> bytes:
    """A local engine's WAV bytes, or the file an HTTP engine wrote (then removed)."""
    if result.wav is not None:
        return result.wav
    data = storage.read(result.s3_key)
    storage.delete_quietly(result.s3_key)
    return data


def _speak(tts: Engine, voice_id: str, text: str) -> bytes:
    return _wav_of(tts.generate(GenerationRequest(text=text, voice=voice_id)))


def _convert(vc: Engine, tts: Engine, voice: Voice) -> bytes:
    source = _speak(tts, tts.voices()[0].id, sentence(voice))
    if vc.wants_source_bytes:
        return _wav_of(vc.generate(GenerationRequest(voice=voice.id, source_audio=source)))
    source_key = storage.save_upload(registry.VOICE_CHANGER, source, "wav")
    try:
        return _wav_of(vc.generate(GenerationRequest(voice=voice.id, source_key=source_key)))
    finally:
        storage.delete_quietly(source_key)


def _make(preview: Preview) -> bytes:
    tts = engines.get_engine(TTS)
    if preview.service == TTS or preview.voice.id in _tts_voices():
        return _speak(tts, preview.voice.id, sentence(preview.voice))
    return _convert(engines.get_engine(preview.service), tts, preview.voice)


def previews_make(*, services: tuple[str, ...] = SERVICES, force: bool = False) -> dict[str, int]:
    """Make every missing preview, remove outdated ones; counts of made, kept, failed, removed.

    Safe to run in several workers at once: a preview that another worker saved first is
    kept and the duplicate removed."""
    counts = {"made": 0, "kept": 0, "failed": 0, "removed": 0}
    for service in services:
        previews = previews_for(service)
        for preview in previews:
            if not force and default_storage.exists(preview.key):
                counts["kept"] += 1
                continue
            try:
                data = _make(preview)
            except Exception:  # noqa: BLE001 - one voice failing must not stop the others
                logger.exception("Could not make the %s preview of voice %s.", service, preview.voice.id)
                counts["failed"] += 1
                continue
            if force:
                storage.delete_quietly(preview.key)
            saved = default_storage.save(preview.key, ContentFile(data))
            if saved != preview.key:  # another worker was quicker
                storage.delete_quietly(saved)
            counts["made"] += 1
        counts["removed"] += _remove_outdated(service, {p.key for p in previews})
        cache.delete(_listing_cache_key(service))
    return counts


def _remove_outdated(service: str, current: set[str]) -> int:
    try:
        names = default_storage.listdir(f"{PREFIX}/{service}")[1]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for name in names:
        key = f"{PREFIX}/{service}/{name}"
        if key not in current:
            storage.delete_quietly(key)
            removed += 1
    return removed
