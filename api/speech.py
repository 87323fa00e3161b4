"""ElevenLabs' generate endpoints: text to speech, the voice changer, sound effects.

Each view maps its request onto the studio form's fields and calls api.generate.clip_for (the
same form, the same service, the same ledger as the pages), then answers with the audio in
``output_format`` (default mp3_44100_128). ``model_id``, ``seed`` and the voice settings the
engines have no knob for are accepted and ignored.
"""

from __future__ import annotations

import base64
import io
import json
import wave

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import JsonResponse, StreamingHttpResponse
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from api import generate, responses, schemas, streams
from api.responses import audio_doc, errors
from audio import alignment, encoding
from audio.engines import registry

router = Router(tags=["generate"])

TTS_LOCS = {"__all__": ["body", "text"], "text": ["body", "text"], "voice": ["path", "voice_id"], "speed": ["body", "voice_settings", "speed"],
            "stability": ["body", "voice_settings", "stability"], "variability": ["body", "voice_settings", "style"]}
VC_LOCS = {"audio": ["body", "audio"], "voice": ["path", "voice_id"]}
SFX_LOCS = {"__all__": ["body", "text"], "prompt": ["body", "text"], "duration": ["body", "duration_seconds"]}
GENERATE_ERRORS = errors(400, 404, 413, 429, 502, 504)
FORMAT_DOC = "One of " + ", ".join(encoding.FORMATS) + "."


def _tts_clip(request, voice_id: str, body: schemas.TextToSpeechBody, *, wait: bool = True):
    settings = body.voice_settings or schemas.VoiceSettings()
    data = {"text": body.text, "voice": voice_id, "speed": generate.number(settings.speed),
            "stability": generate.number(settings.stability), "variability": generate.number(settings.style)}
    return generate.clip_for(request, spec=registry.TEXT_TO_SPEECH, data=data, locs=TTS_LOCS, wait=wait)


@router.post("/v1/text-to-speech/{voice_id}", response=GENERATE_ERRORS, openapi_extra={"responses": {200: audio_doc()}},
             summary="Text to speech", operation_id="text_to_speech")
def text_to_speech(request, voice_id: str, body: schemas.TextToSpeechBody,
                   output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    fmt = responses.output_format(output_format)
    return responses.audio(_tts_clip(request, voice_id, body), fmt)


@router.post("/v1/text-to-speech/{voice_id}/stream", response=GENERATE_ERRORS,
             openapi_extra={"responses": {200: audio_doc("The audio, chunked, sent as it is made: the first bytes as soon as "
                                                         "the first sentence is (FLAC once the clip is done).")}},
             summary="Text to speech, streamed", operation_id="text_to_speech_stream")
def text_to_speech_stream(request, voice_id: str, body: schemas.TextToSpeechBody,
                          output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    fmt = responses.output_format(output_format)
    return responses.progressive(lambda: _tts_clip(request, voice_id, body, wait=False), fmt)


def _with_timestamps(clip, fmt) -> dict:
    source = streams.source_for(clip, fmt)
    return {
        "audio_base64": base64.b64encode(source.data).decode(),
        "alignment": alignment.align(clip.text or "", clip.segments, clip.duration_seconds).as_json(),
        "normalized_alignment": alignment.normalized(clip.segments, clip.duration_seconds, clip.text or "").as_json(),
    }


@router.post("/v1/text-to-speech/{voice_id}/with-timestamps", response={200: schemas.AudioWithTimestamps, **GENERATE_ERRORS},
             summary="Text to speech with character timing", operation_id="text_to_speech_with_timestamps")
def text_to_speech_with_timestamps(request, voice_id: str, body: schemas.TextToSpeechBody,
                                   output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    fmt = responses.output_format(output_format)
    clip = _tts_clip(request, voice_id, body)
    response = JsonResponse(_with_timestamps(clip, fmt))
    responses.clip_headers(response, clip)
    return response


@router.post("/v1/text-to-speech/{voice_id}/stream/with-timestamps", response=GENERATE_ERRORS,
             openapi_extra={"responses": {200: {"description": "Newline-delimited JSON: one AudioWithTimestamps per line.",
                                                "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}}},
             summary="Text to speech with character timing, streamed", operation_id="text_to_speech_stream_with_timestamps")
def text_to_speech_stream_with_timestamps(request, voice_id: str, body: schemas.TextToSpeechBody,
                                          output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    fmt = responses.output_format(output_format)
    clip = _tts_clip(request, voice_id, body)
    line = json.dumps(_with_timestamps(clip, fmt)) + "\n"
    response = StreamingHttpResponse(iter([line.encode()]), content_type="application/x-ndjson")
    responses.clip_headers(response, clip)
    return response


# -- voice changer ------------------------------------------------------------------------


def _raw_pcm_as_wav(data: bytes) -> bytes:
    """``file_format=pcm_s16le_16``: headerless 16 kHz 16-bit mono, wrapped as the WAV it is."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(data[: len(data) // 2 * 2])
    return buffer.getvalue()


def _voice_change(request, voice_id: str, audio: UploadedFile, file_format: str | None, output_format: str, *,
                  stream: bool):
    fmt = responses.output_format(output_format)
    upload = audio
    if file_format == "pcm_s16le_16":
        upload = SimpleUploadedFile(audio.name or "upload", _raw_pcm_as_wav(audio.read()), content_type="audio/wav")
    clip = generate.clip_for(request, spec=registry.VOICE_CHANGER, data={"voice": voice_id},
                             files={"audio": upload}, locs=VC_LOCS)
    return responses.audio(clip, fmt, stream=stream)


VC_DOC = {"responses": {200: audio_doc()}}


@router.post("/v1/voice-changer/{voice_id}", response=GENERATE_ERRORS, openapi_extra=VC_DOC,
             summary="Voice changer (speech to speech)", operation_id="voice_changer")
def voice_changer(request, voice_id: str, audio: File[UploadedFile], model_id: Form[str | None] = None,
                  voice_settings: Form[str | None] = None, seed: Form[str | None] = None,
                  remove_background_noise: Form[str | None] = None, file_format: Form[str | None] = None,
                  output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    return _voice_change(request, voice_id, audio, file_format, output_format, stream=False)


@router.post("/v1/voice-changer/{voice_id}/stream", response=GENERATE_ERRORS, openapi_extra=VC_DOC,
             summary="Voice changer, streamed", operation_id="voice_changer_stream")
def voice_changer_stream(request, voice_id: str, audio: File[UploadedFile], model_id: Form[str | None] = None,
                         voice_settings: Form[str | None] = None, seed: Form[str | None] = None,
                         remove_background_noise: Form[str | None] = None, file_format: Form[str | None] = None,
                         output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    return _voice_change(request, voice_id, audio, file_format, output_format, stream=True)


@router.post("/v1/speech-to-speech/{voice_id}", response=GENERATE_ERRORS, openapi_extra=VC_DOC,
             summary="Voice changer (the older path)", operation_id="speech_to_speech")
def speech_to_speech(request, voice_id: str, audio: File[UploadedFile], model_id: Form[str | None] = None,
                     voice_settings: Form[str | None] = None, seed: Form[str | None] = None,
                     remove_background_noise: Form[str | None] = None, file_format: Form[str | None] = None,
                     output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    return _voice_change(request, voice_id, audio, file_format, output_format, stream=False)


@router.post("/v1/speech-to-speech/{voice_id}/stream", response=GENERATE_ERRORS, openapi_extra=VC_DOC,
             summary="Voice changer, streamed (the older path)", operation_id="speech_to_speech_stream")
def speech_to_speech_stream(request, voice_id: str, audio: File[UploadedFile], model_id: Form[str | None] = None,
                            voice_settings: Form[str | None] = None, seed: Form[str | None] = None,
                            remove_background_noise: Form[str | None] = None, file_format: Form[str | None] = None,
                            output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    return _voice_change(request, voice_id, audio, file_format, output_format, stream=True)


# -- sound effects --------------------------------------------------------------------------


@router.post("/v1/sound-generation", response=GENERATE_ERRORS, openapi_extra={"responses": {200: audio_doc()}},
             summary="Sound effect from a description", operation_id="sound_generation")
def sound_generation(request, body: schemas.SoundGenerationBody,
                     output_format: str = Query(encoding.DEFAULT, description=FORMAT_DOC)):
    fmt = responses.output_format(output_format)
    data = {"prompt": body.text, "duration": generate.number(body.duration_seconds)}
    clip = generate.clip_for(request, spec=registry.SOUND_EFFECTS, data=data, locs=SFX_LOCS)
    return responses.audio(clip, fmt)
