"""Project-wide middleware: NUL characters refused, the client's address, and a dependency
outage answered 503."""

from __future__ import annotations

import logging

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from core import client_ip
from core.unavailable import DependencyUnavailable, database_unavailable, one_line

logger = logging.getLogger("elevenlabs_bernie.unavailable")

DATABASE_DOWN = "ElevenLabs-Bernie is briefly unavailable. Your clips and credits are safe; try again in a minute."
RETRY_AFTER_SECONDS = 10
# Answered in JSON whatever the Accept header says: the API (written on its own branch, matched
# by prefix so it needs no change here) and the clip status endpoint scripts poll.
JSON_PREFIXES = ("/v1/", "/v2/")
OPENAI_PREFIX = "/v1/audio/"
JSON_VIEWS = {"audio:clip_status"}


class RejectNullCharactersMiddleware:
    """Answer 400 to a NUL character in the path or the query string.

    PostgreSQL cannot store or even compare text holding NUL, so a ``%00`` in a clip id or a
    search box would otherwise surface as a database error (500). Form fields are checked
    where they are validated.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            return HttpResponseBadRequest("Null characters are not allowed in addresses.", content_type="text/plain")
        return self.get_response(request)


class ClientIPMiddleware:
    """Work out the client's address once (core/client_ip.py): ``request.client_ip``, and the
    address the log lines written while serving this request carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip.client_ip(request)
        token = client_ip.set_current(request.client_ip)
        try:
            return self.get_response(request)
        finally:
            client_ip.reset_current(token)


class DependencyUnavailableMiddleware:
    """A view that fails because the database (or the storage) cannot answer gets a plain 503
    page, or JSON for JSON clients, and the log one line instead of a traceback.

    Failures outside views (a session saved after the view, say) reach Django's 500 handler,
    which is ``elevenlabs_bernie.views.server_error``: it gives the same answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception)


def unavailable_response(request, exc: BaseException) -> HttpResponse | None:
    """The 503 for an outage, or None when ``exc`` is not one."""
    if isinstance(exc, DependencyUnavailable):
        message, what = str(exc), "dependency"
    elif database_unavailable(exc):
        message, what = DATABASE_DOWN, "database"
    else:
        return None
    logger.warning("%s %s answered 503, %s unavailable: %s", request.method, request.path, what, one_line(exc))
    response = _json(request, message) if wants_json(request) else _page(request, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # the line above says it; Django would add an ERROR line per request
    return response


def wants_json(request) -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return True
    try:
        return resolve(request.path_info).view_name in JSON_VIEWS
    except Resolver404:
        return False


def _json(request, message: str) -> JsonResponse:
    if request.path.startswith(OPENAI_PREFIX):
        body = {"error": {"message": message, "type": "server_error", "param": None, "code": "service_unavailable"}}
    elif request.path.startswith(JSON_PREFIXES):
        body = {"detail": {"status": "service_unavailable", "code": "service_unavailable", "message": message}}
    else:
        body = {"error": message}
    return JsonResponse(body, status=503)


def _page(request, message: str) -> HttpResponse:
    # Rendered without the request: no context processor, so nothing here reads the session,
    # the user or the database. "Try again" is a GET of the same page (never a repeated POST).
    again = request.get_full_path() if request.method == "GET" else request.path
    return HttpResponse(render_to_string("503.html", {"message": message, "again": again}), status=503)
