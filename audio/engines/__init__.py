"""Audio engines: one interface, three services (see DESIGN.md, "Engines").

    engine = get_engine(registry.TEXT_TO_SPEECH.id)
    engine.voices()                           # list[Voice]; never loads a model
    engine.validate(GenerationRequest(...))   # raises EngineValidationError (plain words)
    result = engine.generate(GenerationRequest(text=..., voice=...))
    result.wav      # local engines: mono 16-bit PCM WAV bytes
    result.s3_key   # HTTP engines: the key the remote server wrote to the shared bucket

Which service is which engine lives in ``registry.py``. A service uses its HTTP engine when its
route setting (e.g. STYLETTS2_API_ROUTE) is non-empty, and the local engine otherwise. Engines
are cached per process, and local models load on the first generate(). Importing this package
imports no audio library.
"""

from __future__ import annotations

import threading

from django.utils.module_loading import import_string

from . import registry
from .audio_files import AudioInfo, probe_audio
from .base import (
    Engine,
    EngineError,
    EngineResult,
    EngineValidationError,
    GenerationRequest,
    PermanentEngineError,
    TransientEngineError,
    Voice,
)
from .http import HttpEngine

__all__ = [
    "AudioInfo",
    "Engine",
    "EngineError",
    "EngineResult",
    "EngineValidationError",
    "GenerationRequest",
    "PermanentEngineError",
    "TransientEngineError",
    "Voice",
    "get_engine",
    "get_local_engine",
    "probe_audio",
    "registry",
]

DEFAULT_TIMEOUT_SECONDS = 120.0

_lock = threading.Lock()
_local: dict[tuple, Engine] = {}
_remote: dict[tuple, Engine] = {}


def setting(name: str, default=None):
    """A Django setting, or `default` when it is unset or Django is not configured."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:  # no settings module: the engines also run standalone
        return default


def local_engine_class(spec: registry.ServiceSpec) -> type[Engine]:
    """The service's local engine class; BENCH_LOCAL_ENGINE (a dotted path) replaces it for
    every service. Only the benchmarks' settings module (bench/settings_silent.py) sets it: no
    environment variable does, and `manage.py check --deploy` refuses it (ops/checks.py)."""
    override = setting("BENCH_LOCAL_ENGINE", "")
    if override:
        return import_string(override)
    return spec.local_engine_class


def get_local_engine(service: str) -> Engine:
    """The in-process engine for `service`, whatever the route settings say."""
    spec = registry.get(service)
    engine_class = local_engine_class(spec)
    options = engine_class.options_from(setting)
    key = (spec.id, engine_class, tuple(sorted(options.items())))
    with _lock:
        engine = _local.get(key)
        if engine is None:
            engine = _local[key] = engine_class(**options)
        return engine


def get_engine(service: str) -> Engine:
    """The engine the project should use for `service` (HTTP when its route is set)."""
    spec = registry.get(service)
    route = (setting(spec.route_setting, "") or "").strip()
    if not route:
        return get_local_engine(service)
    api_key = setting("BACKEND_API_KEY", "") or ""
    timeout = float(setting("ENGINE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS) or DEFAULT_TIMEOUT_SECONDS)
    key = (spec.id, route, api_key, timeout)
    with _lock:
        engine = _remote.get(key)
        if engine is None:
            engine = _remote[key] = HttpEngine(
                spec, route=route, api_key=api_key, timeout=timeout, fallback=lambda: get_local_engine(service)
            )
        return engine
