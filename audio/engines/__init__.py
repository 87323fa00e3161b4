"""Audio engines: one interface, three services (see DESIGN.md, "Engines").

    engine = get_engine("styletts2")
    engine.voices()                          # list[Voice]; never loads a model
    engine.validate(text=..., voice=...)     # raises EngineValidationError (plain words)
    result = engine.generate(text=..., voice=...)
    result.wav      # local engines: mono 16-bit PCM WAV bytes
    result.s3_key   # HTTP engines: the key the remote server wrote to the shared bucket

Services and their parameters (keyword-only):

    styletts2      text, voice                          -> Piper TTS (local) / HTTP
    seedvc         voice, source_key, source_audio      -> Praat conversion (local) / HTTP
    make-an-audio  prompt, duration=None, seed=None     -> procedural synthesizer (local) / HTTP

A service uses its HTTP engine when its route setting (STYLETTS2_API_ROUTE, SEED_VC_API_ROUTE,
MAKE_AN_AUDIO_API_ROUTE) is non-empty, and the local engine otherwise. Engines are cached per
process, and local models load on the first generate(). Importing this package imports no
audio library.
"""

from __future__ import annotations

import threading

from .audio_files import AudioInfo, probe_audio
from .base import (
    Engine,
    EngineError,
    EngineResult,
    EngineValidationError,
    PermanentEngineError,
    TransientEngineError,
    Voice,
)

__all__ = [
    "SERVICES",
    "AudioInfo",
    "Engine",
    "EngineError",
    "EngineResult",
    "EngineValidationError",
    "PermanentEngineError",
    "TransientEngineError",
    "Voice",
    "get_engine",
    "get_local_engine",
    "probe_audio",
]

SERVICES = ("styletts2", "seedvc", "make-an-audio")

ROUTE_SETTINGS = {
    "styletts2": "STYLETTS2_API_ROUTE",
    "seedvc": "SEED_VC_API_ROUTE",
    "make-an-audio": "MAKE_AN_AUDIO_API_ROUTE",
}
DEFAULT_TIMEOUT_SECONDS = 120.0

_lock = threading.Lock()
_local: dict[tuple, Engine] = {}
_remote: dict[tuple, Engine] = {}


def setting(name: str, default=None):
    """A Django setting, or `default` when it is unset or Django is not configured."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return default
    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:  # no settings module: the engines also run standalone
        return default


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"Unknown service {service!r}; expected one of {', '.join(SERVICES)}.")


def get_local_engine(service: str) -> Engine:
    """The in-process engine for `service`, whatever the route settings say."""
    _check_service(service)
    voices_dir = (setting("PIPER_VOICES_DIR", None) or None) if service == "styletts2" else None
    key = (service, str(voices_dir) if voices_dir else None)
    with _lock:
        engine = _local.get(key)
        if engine is None:
            if service == "styletts2":
                from .piper_tts import PiperTtsEngine

                engine = PiperTtsEngine(voices_dir=voices_dir)
            elif service == "seedvc":
                from .praat_vc import PraatVoiceConversionEngine

                engine = PraatVoiceConversionEngine()
            else:
                from .sfx.engine import ProceduralSfxEngine

                engine = ProceduralSfxEngine()
            _local[key] = engine
        return engine


def get_engine(service: str) -> Engine:
    """The engine the project should use for `service` (HTTP when its route is set)."""
    _check_service(service)
    route = (setting(ROUTE_SETTINGS[service], "") or "").strip()
    if not route:
        return get_local_engine(service)
    api_key = setting("BACKEND_API_KEY", "") or ""
    timeout = float(
        setting("ENGINE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS) or DEFAULT_TIMEOUT_SECONDS
    )
    key = (service, route, api_key, timeout)
    with _lock:
        engine = _remote.get(key)
        if engine is None:
            from .http import HttpEngine

            engine = _remote[key] = HttpEngine(
                service, route=route, api_key=api_key, timeout=timeout
            )
        return engine
