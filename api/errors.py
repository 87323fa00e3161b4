"""Every error the API answers, in one shape per family of clients.

ElevenLabs' endpoints answer ``{"detail": {"status": code, "code": code, "message": ...}}``, and
``{"detail": [{"loc", "msg", "type"}]}`` (422) for malformed input; OpenAI's endpoint
(/v1/audio/...) answers ``{"error": {"message", "type", "param", "code"}}``. Views raise
``ApiError``; ``install`` registers the handlers that turn it, ninja's own errors and any other
exception into those shapes (api/middleware.py does the same for what never reaches ninja).
Messages are plain words written here, never an exception's text.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from ninja import errors as ninja_errors

from elevenlabs_bernie.middleware import unavailable_response

logger = logging.getLogger(__name__)

OPENAI_PREFIX = "/v1/audio/"
UNEXPECTED = "The server failed unexpectedly; this has been logged. Try again later."
# Statuses a client must not repeat blindly (OpenAI's SDK obeys x-should-retry).
NO_RETRY = {"x-should-retry": "false"}
OPENAI_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error",
                413: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error"}


class ApiError(Exception):
    """An answer other than success: status, a code clients can branch on, plain words."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.param = param


def is_openai(request) -> bool:
    return request.path.startswith(OPENAI_PREFIX)


def error_response(request, status: int, code: str, message: str, *, headers: dict | None = None,
                   param: str | None = None) -> JsonResponse:
    if is_openai(request):
        if code == "quota_exceeded":  # OpenAI's word for it, and its status
            status, code, headers = 429, "insufficient_quota", {**(headers or {}), **NO_RETRY}
        kind = OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        if code == "insufficient_quota":
            kind = code
        body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    else:
        body = {"detail": {"status": code, "code": code, "message": message}}
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def invalid_response(request, errors: list[dict]) -> JsonResponse:
    """Malformed input: ElevenLabs' 422 list, or OpenAI's 400 naming the first field."""
    if is_openai(request):
        first = errors[0] if errors else {"loc": [], "msg": "The request is not valid."}
        param = ".".join(str(part) for part in first["loc"][1:]) or None
        return error_response(request, 400, "invalid_value", first["msg"], param=param)
    return JsonResponse({"detail": errors}, status=422)


def field_error(loc: list, msg: str, kind: str = "value_error") -> dict:
    return {"loc": list(loc), "msg": msg, "type": kind}


def _clean_loc(loc) -> list:
    """ninja names a body parameter twice (["body", "body", "text"]): say it once."""
    loc = [part for part in loc]
    if len(loc) >= 2 and loc[0] in ("body", "form", "query", "path") and loc[1] in ("body", "form", "data"):
        loc = [loc[0], *loc[2:]]
    return loc


def install(api) -> None:
    @api.exception_handler(ApiError)
    def on_api_error(request, exc: ApiError):
        return error_response(request, exc.status, exc.code, exc.message, headers=exc.headers, param=exc.param)

    @api.exception_handler(ApiInvalid)
    def on_api_invalid(request, exc: ApiInvalid):
        return invalid_response(request, exc.errors)

    @api.exception_handler(ninja_errors.ValidationError)
    def on_invalid(request, exc):
        errors = [field_error(_clean_loc(e.get("loc", ())), str(e.get("msg", "Invalid value.")),
                              str(e.get("type", "value_error"))) for e in exc.errors]
        return invalid_response(request, errors)

    @api.exception_handler(ninja_errors.AuthenticationError)
    def on_unauthenticated(request, exc):
        return error_response(request, 401, "invalid_api_key",
                              "Missing or unknown API key: send a valid key in the xi-api-key header "
                              "or as Authorization: Bearer.")

    @api.exception_handler(ninja_errors.HttpError)
    def on_http_error(request, exc):
        if exc.status_code == 400:  # ninja: "Cannot parse request body"
            return invalid_response(request, [field_error(["body"], "The body is not valid JSON.", "json_invalid")])
        return error_response(request, exc.status_code, "error", "The request was refused.")

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return error_response(request, 404, "not_found", "Nothing here.")

    @api.exception_handler(Exception)
    def on_exception(request, exc):
        if isinstance(exc, RequestDataTooBig):
            return error_response(request, 413, "payload_too_large", "The request body is too large.")
        if isinstance(exc, SuspiciousOperation):
            return error_response(request, 400, "bad_request", "The request is malformed.")
        outage = unavailable_response(request, exc)  # database or storage down: a plain 503, retry later
        if outage is not None:
            return outage
        logger.exception("API request %s %s failed", request.method, request.path)
        return error_response(request, 503, "internal_error", UNEXPECTED, headers=NO_RETRY)


class ApiInvalid(Exception):
    """Malformed input: a list of ``field_error``s (422, or 400 for OpenAI's clients)."""

    def __init__(self, errors: list[dict]):
        super().__init__("invalid input")
        self.errors = errors
