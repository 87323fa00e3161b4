"""An inference server for one service, speaking the original servers' protocol (http.py)
around a LOCAL engine. Run it with `python manage.py serve_engine <service>`, or in tests:

    server = make_server("styletts2", "127.0.0.1", 0, "secret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    route = f"http://127.0.0.1:{server.server_port}"

Generated WAVs go to Django's default_storage (the shared bucket in production) under
`styletts2-output/`, `seedvc-outputs/` or `make-an-audio-outputs/`; seedvc reads its source
from default_storage too. Replies: 200 {"audio_url", "s3_key"}; 400 {"error"} for a bad request
or input the engine refuses; 401 for a wrong or missing key; 404 unknown path; 500 otherwise.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .base import Engine, EngineValidationError, PermanentEngineError, TransientEngineError

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
OUTPUT_PREFIXES = {
    "styletts2": "styletts2-output",
    "seedvc": "seedvc-outputs",
    "make-an-audio": "make-an-audio-outputs",
}
POST_PATHS = {"styletts2": "/generate", "seedvc": "/convert", "make-an-audio": "/generate"}


class BadRequest(Exception):
    pass


class EngineServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, *, service: str, engine: Engine, api_key: str):
        super().__init__(address, handler)
        self.service = service
        self.engine = engine
        self.api_key = api_key


class EngineRequestHandler(BaseHTTPRequestHandler):
    server: EngineServer
    server_version = "ElevenLabsBernieEngine/1"

    # -- plumbing -------------------------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        logger.info("%s %s", self.address_string(), format % args)

    def _reply(self, status: int, payload) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        given = (self.headers.get("Authorization") or "").strip()
        if given.lower().startswith("bearer "):
            given = given[7:].strip()
        if given and hmac.compare_digest(given.encode(), self.server.api_key.encode()):
            return True
        self._reply(HTTPStatus.UNAUTHORIZED, {"error": "Missing or wrong API key."})
        return False

    def _json_body(self) -> dict:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise BadRequest("Bad Content-Length.") from None
        if length > MAX_BODY_BYTES:
            raise BadRequest("The request body is too large.")
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            raise BadRequest("The request body is not JSON.") from None
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        return body

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    # -- routes ---------------------------------------------------------------------------

    def do_GET(self):  # noqa: N802
        path = self._path()
        if path == "/health":
            self._reply(HTTPStatus.OK, self.server.engine.health())
        elif path == "/voices":
            if self._authorised():
                voices = [vars(v) for v in self.server.engine.voices()]
                self._reply(HTTPStatus.OK, voices)
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"No such endpoint: {path}"})

    def do_POST(self):  # noqa: N802
        path = self._path()
        if path != POST_PATHS[self.server.service]:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"No such endpoint: {path}"})
            return
        if not self._authorised():
            return
        try:
            params = self.engine_params(self._json_body())
            result = self.server.engine.generate(**params)
            key = self.store(result.wav)
        except (BadRequest, EngineValidationError, PermanentEngineError) as exc:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        except TransientEngineError as exc:
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(exc)})
        except Exception:
            logger.exception("%s request failed", self.server.service)
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "The engine failed."})
        else:
            from django.core.files.storage import default_storage

            self._reply(HTTPStatus.OK, {"audio_url": default_storage.url(key), "s3_key": key})

    # -- the service's part ---------------------------------------------------------------

    def engine_params(self, body: dict) -> dict:
        """Protocol fields to engine keyword arguments."""
        service = self.server.service
        if service == "styletts2":
            return {"text": _field(body, "text", str), "voice": _field(body, "target_voice", str)}
        if service == "seedvc":
            key = _field(body, "source_audio_key", str)
            return {
                "voice": _field(body, "target_voice", str),
                "source_key": key,
                "source_audio": self.read_source(key),
            }
        params = {"prompt": _field(body, "prompt", str)}
        for name in ("duration", "seed"):
            if body.get(name) is not None:
                params[name] = body[name]
        return params

    def read_source(self, key: str) -> bytes:
        from django.core.exceptions import SuspiciousOperation
        from django.core.files.storage import default_storage

        try:
            with default_storage.open(key, "rb") as stored:
                return stored.read()
        except (FileNotFoundError, SuspiciousOperation, OSError):
            raise BadRequest(f"No source audio at {key!r}.") from None

    def store(self, wav: bytes | None) -> str:
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        if not wav:
            raise RuntimeError("The engine returned no audio.")
        key = f"{OUTPUT_PREFIXES[self.server.service]}/{uuid.uuid4()}.wav"
        return default_storage.save(key, ContentFile(wav))


def _field(body: dict, name: str, kind: type):
    value = body.get(name)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise BadRequest(f"Missing or invalid field: {name}.")
    return value


def make_server(
    service: str,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str = "",
    *,
    engine: Engine | None = None,
    handler=EngineRequestHandler,
) -> EngineServer:
    """A ready-to-serve (not yet serving) server for `service` around its local engine."""
    from . import SERVICES, get_local_engine

    if service not in SERVICES:
        raise ValueError(f"Unknown service {service!r}; expected one of {', '.join(SERVICES)}.")
    if not api_key:
        raise ValueError("An API key is required (BACKEND_API_KEY or --api-key).")
    engine = engine or get_local_engine(service)
    return EngineServer((host, port), handler, service=service, engine=engine, api_key=api_key)
