"""Voices and models, as ElevenLabs' clients list them.

The voices are the text-to-speech engine's (the voice changer's that share an id are the same
voice); a voice's ``preview_url`` is /v1/voices/{id}/preview, fetched with the key, once the
worker has made its preview. There is one model per service; ``model_id`` in a request is
accepted and ignored, so ids pasted from ElevenLabs' examples work too.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.files.storage import default_storage
from ninja import Query, Router

from api import schemas
from api.errors import ApiError
from api.responses import audio_doc, errors
from audio import delivery, engines, previews
from audio.engines import registry
from audio.forms import TextToSpeechForm

router = Router(tags=["voices and models"])

PAGE_SIZE_MAX = 100


def model_id(spec: registry.ServiceSpec) -> str:
    return f"bernie_{spec.key.lower()}"


def _voices() -> list[engines.Voice]:
    try:
        return engines.get_engine(registry.TEXT_TO_SPEECH.id).voices()
    except engines.EngineError:
        raise ApiError(503, "service_unavailable", "The voices cannot be listed right now; try again shortly.") from None


def _changer_voice_ids() -> set[str]:
    try:
        return {voice.id for voice in engines.get_engine(registry.VOICE_CHANGER.id).voices()}
    except engines.EngineError:
        return set()


def voice_json(request, voice: engines.Voice, *, changer: set[str], with_preview: set[str]) -> dict:
    preview = request.build_absolute_uri(f"/v1/voices/{voice.id}/preview") if voice.id in with_preview else None
    return {
        "voice_id": voice.id, "name": voice.name, "category": "premade", "description": voice.description,
        "labels": {"text_to_speech": "true", "voice_changer": "true" if voice.id in changer else "false",
                   # where the model and its training data come from, under which terms
                   **({"provenance": voice.details} if voice.details else {})},
        "preview_url": preview, "available_for_tiers": [], "high_quality_base_model_ids": [],
        "is_owner": False, "is_legacy": False,
    }


def _listing(request, voices: list[engines.Voice]) -> list[dict]:
    changer = _changer_voice_ids()
    with_preview = previews.available(registry.TEXT_TO_SPEECH.id, voices)
    return [voice_json(request, voice, changer=changer, with_preview=with_preview) for voice in voices]


@router.get("/v1/voices", response={200: schemas.Voices, **errors()}, summary="All voices", operation_id="voices")
def voices(request, show_legacy: str | None = None):
    return {"voices": _listing(request, _voices())}


def _default_settings() -> dict:
    """The studio's defaults in ElevenLabs' names. Every setting is relative to the voice's own
    model (stability 0.5 and style 0.5 give the model's own noise_scale and noise_w, speed 1 its
    own pace: audio.engines.piper_tts.synthesis_config), so these are each voice's defaults."""
    defaults = TextToSpeechForm.SETTINGS_DEFAULTS
    return {"stability": defaults["stability"], "similarity_boost": None, "style": defaults["variability"],
            "use_speaker_boost": None, "speed": defaults["speed"]}


@router.get("/v1/voices/settings/default", response={200: schemas.VoiceSettings, **errors()},
            summary="Default voice settings", operation_id="voice_settings_default")
def voice_settings_default(request):
    return _default_settings()


@router.get("/v1/voices/{voice_id}/settings", response={200: schemas.VoiceSettings, **errors(404)},
            summary="A voice's default settings", operation_id="voice_settings")
def voice_settings(request, voice_id: str):
    if not any(v.id == voice_id for v in _voices()):
        raise ApiError(404, "voice_not_found", "No voice has this id; GET /v1/voices lists them.")
    return _default_settings()


@router.get("/v1/voices/{voice_id}", response={200: schemas.VoiceOut, **errors(404)}, summary="One voice",
            operation_id="voice")
def voice(request, voice_id: str, with_settings: str | None = None):
    found = [v for v in _voices() if v.id == voice_id]
    if not found:
        raise ApiError(404, "voice_not_found", "No voice has this id; GET /v1/voices lists them.")
    return _listing(request, found)[0]


@router.get("/v1/voices/{voice_id}/preview", response=errors(404),
            openapi_extra={"responses": {200: audio_doc("The voice's preview (WAV).", ["audio/wav"])}},
            summary="A voice's preview", operation_id="voice_preview")
def voice_preview(request, voice_id: str):
    preview = previews.preview_for(registry.TEXT_TO_SPEECH.id, voice_id)
    if preview is None or not default_storage.exists(preview.key):
        raise ApiError(404, "preview_not_found", "This voice has no preview yet.")
    return delivery.file_response(request, preview.key, filename=f"preview-{voice_id}.wav",
                                  cache_control="private, max-age=300")


class VoiceSearch(schemas.Loose):
    page_size: int = 10
    next_page_token: str | None = None
    search: str | None = None


def _token(voice_id: str) -> str:
    return base64.urlsafe_b64encode(voice_id.encode()).decode().rstrip("=")


def _after(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_page_token", "The next_page_token is not one this server gave.") from None


@router.get("/v2/voices", response={200: schemas.VoicesPage, **errors(400)}, summary="Voices, searched and paged",
            operation_id="voices_v2")
def voices_v2(request, query: Query[VoiceSearch]):
    if not 1 <= query.page_size <= PAGE_SIZE_MAX:
        raise ApiError(400, "invalid_page_size", f"page_size must be from 1 to {PAGE_SIZE_MAX}.")
    found = _voices()
    words = (query.search or "").strip().lower()
    if words:
        found = [v for v in found if words in f"{v.name} {v.description} {v.id}".lower()]
    after = _after(query.next_page_token)
    start = 0
    if after is not None:
        ids = [v.id for v in found]
        if after not in ids:
            raise ApiError(400, "invalid_page_token", "The next_page_token is not one this server gave.")
        start = ids.index(after) + 1
    page = found[start:start + query.page_size]
    has_more = start + len(page) < len(found)
    return {"voices": _listing(request, page), "has_more": has_more, "total_count": len(found),
            "next_page_token": _token(page[-1].id) if has_more and page else None}


def _model(spec: registry.ServiceSpec, *, limit: int) -> dict:
    return {
        "model_id": model_id(spec), "name": spec.label, "description": f"{spec.label} on this server.",
        "can_do_text_to_speech": spec is registry.TEXT_TO_SPEECH,
        "can_do_voice_conversion": spec is registry.VOICE_CHANGER,
        "can_use_style": spec is registry.TEXT_TO_SPEECH, "max_characters_request_free_user": limit,
        "max_characters_request_subscribed_user": limit, "maximum_text_length_per_request": limit,
        "languages": [{"language_id": "en", "name": "English"}], "model_rates": {"character_cost_multiplier": 1.0},
    }


@router.get("/v1/models", response={200: list[schemas.ModelOut], **errors()}, summary="Models", operation_id="models")
def models(request):
    limits = {registry.TEXT_TO_SPEECH.id: settings.TTS_TEXT_MAX_CHARS, registry.SOUND_EFFECTS.id: settings.SFX_PROMPT_MAX_CHARS}
    return [_model(spec, limit=limits.get(spec.id, 0)) for spec in registry.SERVICES]
