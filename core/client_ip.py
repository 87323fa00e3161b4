"""The client's address, behind as many trusted proxies as ``TRUSTED_PROXY_COUNT`` says.

Each proxy appends the address it received the request from to ``X-Forwarded-For``, so with N
proxies of ours in front, the client is the Nth entry from the right (the entries further left
are whatever the client sent, and mean nothing). With ``TRUSTED_PROXY_COUNT=0`` (the default)
the header is ignored and the client is ``REMOTE_ADDR``. A header with fewer than N entries did
not come through our proxies: it is ignored too (``REMOTE_ADDR``), never an error.

One function for everything that needs the address: allauth's rate limits (the adapter's
``get_client_ip``), the session list (accounts/sessions.py) and the logs (``ClientIPLogFilter``
adds ``client_ip`` to every record written while a request is served; the middleware in
elevenlabs_bernie/middleware.py sets it).
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging

from django.conf import settings

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def _address(value: str | None) -> str | None:
    """A bare IP address from ``value`` (which may carry a port or IPv6 brackets), or None."""
    value = (value or "").strip()
    if value.startswith("["):  # [v6] or [v6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _address(request.META.get("REMOTE_ADDR"))
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(hops) < count or not hops[-count].strip():
        return remote
    return _address(hops[-count]) or remote


def set_current(ip: str | None) -> contextvars.Token:
    return _current.set(ip)


def reset_current(token: contextvars.Token) -> None:
    _current.reset(token)


class ClientIPLogFilter(logging.Filter):
    """Adds ``client_ip`` to each record: the address of the request being served, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.client_ip = _current.get() or "-"
        return True
