"""OpenAI's speech endpoint: POST /v1/audio/speech, with ``Authorization: Bearer <key>``.

The same text-to-speech form and service as the studio. OpenAI's voice names are mapped onto
ours (any of our voice ids works too, and ``{"id": ...}``); ``model`` and ``instructions`` are
accepted and ignored; ``response_format`` mp3, opus, wav, flac or pcm (raw 16-bit 24 kHz);
aac cannot be made here and is refused (400 ``unsupported_response_format``).
``stream_format: "audio"`` streams the speech as it is made (chunked; ``sse`` is refused).
"""

from __future__ import annotations

from ninja import Router

from api import generate, responses, schemas
from api.errors import ApiError, ApiInvalid, field_error
from api.responses import audio_doc, errors
from audio import encoding, engines
from audio.engines import registry

router = Router(tags=["openai"])

# OpenAI's 13 voices, each onto ours by its character (the first that is installed is used).
VOICES = {
    "alloy": ("woman", "joe"), "ash": ("andreas", "joe"), "ballad": ("andreas", "joe"), "coral": ("woman", "joe"),
    "echo": ("joe", "andreas"), "fable": ("joe", "andreas"), "nova": ("woman", "joe"), "onyx": ("andreas", "joe"),
    "sage": ("woman", "joe"), "shimmer": ("woman", "joe"), "verse": ("andreas", "joe"), "marin": ("woman", "joe"),
    "cedar": ("andreas", "joe"),
}
LOCS = {"text": ["body", "input"], "voice": ["body", "voice"], "speed": ["body", "speed"]}


def voice_for(name: str) -> str:
    wanted = VOICES.get(name.lower())
    if wanted is None:
        return name
    installed = {voice.id for voice in engines.get_engine(registry.TEXT_TO_SPEECH.id).voices()}
    return next((voice for voice in wanted if voice in installed), wanted[0])


@router.post("/v1/audio/speech", response=errors(400, 404, 413, 429, 502, 504, openai=True),
             openapi_extra={"responses": {200: audio_doc("The speech, in response_format.")}},
             summary="Speech (OpenAI-compatible)", operation_id="openai_speech")
def speech(request, body: schemas.OpenAISpeechBody):
    name = (body.response_format or "mp3").lower()
    if name == "aac":
        raise ApiError(400, "unsupported_response_format", "AAC cannot be made here; use mp3, opus, wav, flac or pcm.",
                       param="response_format")
    if name not in encoding.OPENAI:
        raise ApiInvalid([field_error(["body", "response_format"], "response_format must be mp3, opus, wav, flac or pcm.")])
    if body.stream_format not in (None, "audio"):
        raise ApiInvalid([field_error(["body", "stream_format"], "Only stream_format \"audio\" is supported.")])
    voice = body.voice if isinstance(body.voice, str) else body.voice.id
    data = {"text": body.input, "voice": voice_for(voice), "speed": generate.number(body.speed)}
    fmt = encoding.get(encoding.OPENAI[name])
    if body.stream_format == "audio":  # asked to stream: the audio as it is made
        return responses.progressive(
            lambda: generate.clip_for(request, spec=registry.TEXT_TO_SPEECH, data=data, locs=LOCS, wait=False), fmt)
    clip = generate.clip_for(request, spec=registry.TEXT_TO_SPEECH, data=data, locs=LOCS)
    return responses.audio(clip, fmt)
