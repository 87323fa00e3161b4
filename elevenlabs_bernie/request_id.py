"""One id per request, in the answer, the access log and every log line the request makes.

The id is the ``X-Request-ID`` a proxy or client sent when it looks like an id (letters,
digits and ``-_.:``, at most 128 characters), so one id follows a request through the load
balancer, gunicorn and Django; otherwise a new one (32 hex digits). It is answered in the
``X-Request-ID`` header, where gunicorn's JSON access log (elevenlabs_bernie/access_log.py)
reads it, and ``RequestIdFilter`` puts it on every log record made while the request runs
(``request_id``, "-" outside a request).
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.signals import request_finished

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current() -> str:
    """The id of the request this code runs for, or "" outside a request."""
    return _current.get()


def accept_or_make(sent: str | None) -> str:
    if sent and _SANE.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so even a redirect or a refusal by a later middleware has an id."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    # The id stays set after the response leaves this middleware, so Django's own "Not Found"
    # and error lines (logged after the middleware chain) carry it too; it is cleared when the
    # request is finished (below).
    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        request.request_id = accept_or_make(request.headers.get(HEADER))
        _current.set(request.request_id)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response

    async def __acall__(self, request):
        request.request_id = accept_or_make(request.headers.get(HEADER))
        _current.set(request.request_id)
        response = await self.get_response(request)
        response[HEADER] = request.request_id
        return response


def _clear(**kwargs) -> None:
    _current.set("")


request_finished.connect(_clear, dispatch_uid="request_id_clear")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (a handler filter, so every logger's records get it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or "-"
        return True
