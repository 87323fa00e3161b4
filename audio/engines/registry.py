"""The one place that knows each service.

A service is one kind of generation: its id (as stored in ``GeneratedAudioClip.service`` and
spelled by the original app), the name people see, its local engine, where its files go, which
settings price it and route it to a GPU server, how it speaks the inference servers' protocol,
and its form. Everything else reads this table; nothing branches on a service id.

Classes are named by dotted path and imported on first use, so importing this module imports
no audio library and no Django model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils.module_loading import import_string

from .base import GenerationRequest


class UnknownService(LookupError):
    """No service has this id."""


def _tts_body(request: GenerationRequest) -> dict:
    return {"text": request.text, "target_voice": request.voice}


def _tts_request(body: dict) -> GenerationRequest:
    return GenerationRequest(text=_required(body, "text"), voice=_required(body, "target_voice"))


def _vc_body(request: GenerationRequest) -> dict:
    return {"source_audio_key": request.source_key, "target_voice": request.voice}


def _vc_request(body: dict) -> GenerationRequest:
    return GenerationRequest(source_key=_required(body, "source_audio_key"), voice=_required(body, "target_voice"))


def _sfx_body(request: GenerationRequest) -> dict:
    body = {"prompt": request.text}
    body.update({name: request.params[name] for name in ("duration", "seed") if request.params.get(name) is not None})
    return body


def _sfx_request(body: dict) -> GenerationRequest:
    params = {name: body[name] for name in ("duration", "seed") if body.get(name) is not None}
    return GenerationRequest(text=_required(body, "prompt"), params=params)


class ProtocolError(ValueError):
    """A request body that does not follow the inference servers' protocol."""


def _required(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(f"Missing or invalid field: {name}.")
    return value


@dataclass(frozen=True)
class ServiceSpec:
    id: str  # stored in the database; the original app's name for the service
    key: str  # the Python name: Service.TTS
    label: str  # what people see: "Text to speech"
    slug: str  # in addresses: /app/text-to-speech/
    local_engine: str  # dotted path of the in-process engine class
    output_prefix: str  # storage folder of generated files
    cost_setting: str  # settings name of the price in credits
    route_setting: str  # settings name of the GPU server's base URL ("" = local engine)
    http_path: str  # the inference server's POST path
    http_port: int  # serve_engine's default port
    to_http: Callable[[GenerationRequest], dict]  # request -> protocol JSON body
    from_http: Callable[[dict], GenerationRequest]  # protocol JSON body -> request
    form: str  # dotted path of the page's (and the API's) form
    filename_prefix: str  # downloads: tts-andreas-2026-11-27-1530.wav
    has_voices: bool = True  # sound effects have one built-in "voice"
    upload_prefix: str = ""  # storage folder of uploaded recordings, if the service takes one
    streams: bool = False  # the engine hands out pieces as it makes them (audio.pieces)

    @cached_property
    def form_class(self):
        return import_string(self.form)

    @cached_property
    def local_engine_class(self):
        return import_string(self.local_engine)

    def __str__(self) -> str:
        return self.label


TEXT_TO_SPEECH = ServiceSpec(
    id="styletts2",
    key="TTS",
    label="Text to speech",
    slug="text-to-speech",
    local_engine="audio.engines.piper_tts.PiperTtsEngine",
    output_prefix="styletts2-output",
    cost_setting="CREDIT_COST_STYLETTS2",
    route_setting="STYLETTS2_API_ROUTE",
    http_path="/generate",
    http_port=8001,
    to_http=_tts_body,
    from_http=_tts_request,
    form="audio.forms.TextToSpeechForm",
    filename_prefix="tts",
    streams=True,
)

VOICE_CHANGER = ServiceSpec(
    id="seedvc",
    key="VOICE_CHANGER",
    label="Voice changer",
    slug="voice-changer",
    local_engine="audio.engines.praat_vc.PraatVoiceConversionEngine",
    output_prefix="seedvc-outputs",
    cost_setting="CREDIT_COST_SEEDVC",
    route_setting="SEED_VC_API_ROUTE",
    http_path="/convert",
    http_port=8002,
    to_http=_vc_body,
    from_http=_vc_request,
    form="audio.forms.VoiceChangerForm",
    filename_prefix="voice-changer",
    upload_prefix="seed-vc-audio-uploads",
)

SOUND_EFFECTS = ServiceSpec(
    id="make-an-audio",
    key="SOUND_EFFECTS",
    label="Sound effects",
    slug="sound-effects",
    local_engine="audio.engines.sfx.engine.ProceduralSfxEngine",
    output_prefix="make-an-audio-outputs",
    cost_setting="CREDIT_COST_MAKE_AN_AUDIO",
    route_setting="MAKE_AN_AUDIO_API_ROUTE",
    http_path="/generate",
    http_port=8003,
    to_http=_sfx_body,
    from_http=_sfx_request,
    form="audio.forms.SoundEffectsForm",
    filename_prefix="sfx",
    has_voices=False,
)

SERVICES: tuple[ServiceSpec, ...] = (TEXT_TO_SPEECH, VOICE_CHANGER, SOUND_EFFECTS)
SERVICE_IDS: tuple[str, ...] = tuple(spec.id for spec in SERVICES)
_BY_ID = {spec.id: spec for spec in SERVICES}
_BY_SLUG = {spec.slug: spec for spec in SERVICES}


def get(service_id: str) -> ServiceSpec:
    """The service stored as ``service_id``; UnknownService if there is none."""
    try:
        return _BY_ID[service_id]
    except (KeyError, TypeError):
        raise UnknownService(f"Unknown service {service_id!r}; expected one of {', '.join(SERVICE_IDS)}.") from None


def by_slug(slug: str) -> ServiceSpec:
    try:
        return _BY_SLUG[slug]
    except (KeyError, TypeError):
        raise UnknownService(f"Unknown service {slug!r}.") from None


def upload_prefixes() -> tuple[str, ...]:
    return tuple(spec.upload_prefix for spec in SERVICES if spec.upload_prefix)
