"""An inference server for one service, speaking the original servers' protocol (http.py)
around a LOCAL engine. Run it with `python manage.py serve_engine <service>`, or in tests:

    server = make_server(registry.TEXT_TO_SPEECH.id, "127.0.0.1", 0, "secret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    route = f"http://127.0.0.1:{server.server_port}"

Generated WAVs go to Django's default_storage (the shared bucket in production) under the
service's output prefix (registry.py); the voice changer reads its source from default_storage
too. Replies: 200 {"audio_url", "s3_key"}; 400 {"error"} for a bad request
or input the engine refuses; 401 for a wrong or missing key; 404 unknown path; 500 otherwise.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from . import registry
from .base import Engine, EngineValidationError, PermanentEngineError, TransientEngineError
from .registry import ServiceSpec

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class BadRequest(Exception):
    pass


class EngineServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, *, spec: ServiceSpec, engine: Engine, api_key: str):
        super().__init__(address, handler)
        self.spec = spec
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
        if path != self.server.spec.http_path:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"No such endpoint: {path}"})
            return
        if not self._authorised():
            return
        try:
            request = self.engine_request(self._json_body())
            self.server.engine.validate(request)
            result = self.server.engine.generate(request)
            key = self.store(result.wav)
        except (BadRequest, EngineValidationError, PermanentEngineError) as exc:
            if exc.__cause__ is not None:  # a library's words: to the log, not to the client
                logger.info("%s request refused: %s", self.server.spec.label, exc, exc_info=exc)
            self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        except TransientEngineError as exc:
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(exc)})
        except Exception:
            logger.exception("%s request failed", self.server.spec.label)
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "The engine failed."})
        else:
            self._reply(HTTPStatus.OK, {"audio_url": default_storage.url(key), "s3_key": key})

    # -- the service's part ---------------------------------------------------------------

    def engine_request(self, body: dict):
        """The protocol's JSON body as the engine's request (the upload read from storage)."""
        try:
            request = self.server.spec.from_http(body)
        except registry.ProtocolError as exc:
            raise BadRequest(str(exc)) from None
        if request.source_key:
            request = replace(request, source_audio=self.read_source(request.source_key))
        return request

    def read_source(self, key: str) -> bytes:
        try:
            with default_storage.open(key, "rb") as stored:
                return stored.read()
        except (FileNotFoundError, SuspiciousOperation, OSError):
            logger.info("no source audio at %r", key)
            raise BadRequest("There is no source audio under that key.") from None

    def store(self, wav: bytes | None) -> str:
        if not wav:
            raise RuntimeError("The engine returned no audio.")
        key = f"{self.server.spec.output_prefix}/{uuid.uuid4()}.wav"
        return default_storage.save(key, ContentFile(wav))


def make_server(
    service: str,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str = "",
    *,
    engine: Engine | None = None,
    handler=EngineRequestHandler,
) -> EngineServer:
    """A ready-to-serve (not yet serving) server for `service` around ``engine`` (by default a
    fresh instance of the service's local engine)."""
    spec = registry.get(service)
    if not api_key:
        raise ValueError("An API key is required (BACKEND_API_KEY or --api-key).")
    if engine is None:
        engine_class = spec.local_engine_class
        engine = engine_class(**engine_class.options_from(lambda name, default=None: getattr(settings, name, default)))
    return EngineServer((host, port), handler, spec=spec, engine=engine, api_key=api_key)
