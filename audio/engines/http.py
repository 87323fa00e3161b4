"""HTTP engines: the original app's GPU inference servers (or `manage.py serve_engine`).

Protocol (all JSON, header `Authorization: <BACKEND_API_KEY>`; each service's path and body
are in registry.py):

    POST {text to speech route}/generate   {"text", "target_voice"}
    POST {voice changer route}/convert     {"source_audio_key", "target_voice"}
    POST {sound effects route}/generate    {"prompt"[, "duration"][, "seed"]}
      -> 200 {"audio_url", "s3_key"}    (the server wrote the file to the shared bucket)
    GET  /voices -> [{"id", "name", "description"}, ...]
    GET  /health -> {"ok": true, ...}

Failures: connection errors, timeouts and 5xx raise TransientEngineError (a retry may help);
4xx raise PermanentEngineError (401/403: the API key is wrong).
"""

from __future__ import annotations

import logging
import threading
import time

import requests

from .base import (
    Engine,
    EngineResult,
    GenerationRequest,
    PermanentEngineError,
    TransientEngineError,
    Voice,
)
from .registry import ServiceSpec

logger = logging.getLogger(__name__)

VOICES_CACHE_SECONDS = 60.0
VOICES_TIMEOUT_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 10.0


class HttpEngine(Engine):
    engine_name = "http"
    wants_source_bytes = False

    def __init__(self, spec: ServiceSpec, *, route: str, api_key: str, timeout: float = 120.0, fallback=None):
        """``fallback()`` gives the engine whose voices stand in while the server cannot be
        asked (the local engine: same voice ids as the original servers)."""
        self.spec = spec
        self.service = spec.label.lower()  # for messages: "the text to speech server"
        self.route = route.rstrip("/")
        self.fallback = fallback
        self.api_key = api_key
        self.timeout = float(timeout)
        self._voices: list[Voice] | None = None
        self._voices_at = 0.0
        self._lock = threading.Lock()
        self._session = requests.Session()

    # -- transport ------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json=None, timeout: float | None = None):
        timeout = self.timeout if timeout is None else timeout
        url = f"{self.route}{path}"
        try:
            response = self._session.request(
                method,
                url,
                json=json,
                headers={"Authorization": self.api_key},
                timeout=(min(CONNECT_TIMEOUT_SECONDS, timeout), timeout),
            )
        except requests.Timeout:
            raise TransientEngineError(
                f"The {self.service} server did not answer within {timeout:g} seconds."
            ) from None
        except requests.RequestException as exc:
            logger.warning("%s %s: %s: %s", method, url, type(exc).__name__, exc)
            raise TransientEngineError(f"Could not reach the {self.service} server.") from None
        # The server's own words go to the log only: users and clients see plain sentences.
        if response.status_code >= 500:
            logger.warning("%s %s answered %s: %s", method, url, response.status_code, _error_text(response))
            raise TransientEngineError(f"The {self.service} server failed ({response.status_code}).")
        if response.status_code in (401, 403):
            raise PermanentEngineError(
                f"The {self.service} server refused our API key ({response.status_code}); "
                "an operator must check BACKEND_API_KEY."
            )
        if response.status_code >= 400:
            logger.warning("%s %s answered %s: %s", method, url, response.status_code, _error_text(response))
            raise PermanentEngineError(
                f"The {self.service} server refused this request ({response.status_code})."
            )
        try:
            return response.json()
        except ValueError:
            raise PermanentEngineError(
                f"The {self.service} server sent a reply that is not JSON."
            ) from None

    # -- voices ---------------------------------------------------------------------------

    def voices(self) -> list[Voice]:
        """The server's voices, cached for a minute. If the server cannot be asked, the last
        list it gave, or else the local engine's list (same ids as the original servers)."""
        with self._lock:
            fresh = (
                self._voices is not None
                and time.monotonic() - self._voices_at < VOICES_CACHE_SECONDS
            )
            if fresh:
                return list(self._voices)
            try:
                payload = self._request(
                    "GET", "/voices", timeout=min(self.timeout, VOICES_TIMEOUT_SECONDS)
                )
                voices = _parse_voices(payload)
            except (TransientEngineError, PermanentEngineError) as exc:
                logger.warning("Listing %s voices over HTTP failed: %s", self.service, exc)
                if self._voices is not None:
                    self._voices_at = time.monotonic() - VOICES_CACHE_SECONDS + 10  # retry in 10 s
                    return list(self._voices)
                # Same ids as the original servers; kept 10 s so a dead server is not
                # asked again on every form validation.
                self._voices = self.fallback().voices() if self.fallback else []
                self._voices_at = time.monotonic() - VOICES_CACHE_SECONDS + 10
                return list(self._voices)
            self._voices, self._voices_at = voices, time.monotonic()
            return list(voices)

    def health(self) -> dict:
        try:
            payload = self._request(
                "GET", "/health", timeout=min(self.timeout, VOICES_TIMEOUT_SECONDS)
            )
        except (TransientEngineError, PermanentEngineError) as exc:
            return {"ok": False, "engine": self.engine_name, "error": str(exc)}
        result = dict(payload) if isinstance(payload, dict) else {}
        result.setdefault("ok", True)
        result.update(engine=self.engine_name, route=self.route)
        return result

    # -- requests -------------------------------------------------------------------------

    def validate(self, request: GenerationRequest) -> None:
        if self.spec.has_voices:
            self.check_voice(request.voice)

    def generate(self, request: GenerationRequest, *, on_piece=None) -> EngineResult:
        if self.spec.upload_prefix and not request.source_key:
            raise PermanentEngineError("The source recording has no storage key to send.")
        payload = self._request("POST", self.spec.http_path, json=self.spec.to_http(request))
        if not isinstance(payload, dict) or not payload.get("s3_key"):
            raise PermanentEngineError(f"The {self.service} server's reply has no s3_key.")
        return EngineResult(s3_key=str(payload["s3_key"]), audio_url=payload.get("audio_url"))


def _error_text(response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:200]
    if isinstance(payload, dict):
        return str(payload.get("error") or payload.get("detail") or payload)[:200]
    return str(payload)[:200]


def _parse_voices(payload) -> list[Voice]:
    if isinstance(payload, dict):
        payload = payload.get("voices", [])
    voices = []
    for item in payload or []:
        if isinstance(item, dict) and item.get("id"):
            voices.append(
                Voice(
                    id=str(item["id"]),
                    name=str(item.get("name") or item["id"]),
                    description=str(item.get("description") or ""),
                )
            )
        elif isinstance(item, str):
            voices.append(Voice(id=item, name=item, description=""))
    return voices
