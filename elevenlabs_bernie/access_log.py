"""gunicorn's access log as one JSON object per line (``logger_class`` in gunicorn.conf.py).

    {"time": "2026-11-30T20:41:07.512+00:00", "request_id": "9f1c…", "method": "GET",
     "path": "/app/text-to-speech/", "status": 200, "duration_ms": 12.41, "bytes": 18342,
     "remote_addr": "10.0.0.7", "user_agent": "Mozilla/5.0 …", "pid": 4121}

The request id is the one Django answered in ``X-Request-ID`` (elevenlabs_bernie/request_id.py),
so the access line and the app's own log lines of a request share it. The query string is
left out: it holds search words and cursors, which an access log does not need to keep.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger

from elevenlabs_bernie.request_id import HEADER


def _header(headers, name: str) -> str | None:
    name = name.lower()
    for key, value in headers or ():
        if key.lower() == name:
            return value
    return None


def access_record(resp, environ, request_time) -> dict:
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    try:
        status = int(status)
    except (TypeError, ValueError):
        pass
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": _header(resp.headers, HEADER) or "-",
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": status,
        "duration_ms": round(request_time.total_seconds() * 1000, 2),
        "bytes": getattr(resp, "sent", None),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "pid": os.getpid(),
    }


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            self.access_log.info(json.dumps(access_record(resp, environ, request_time)))
        except Exception:  # noqa: BLE001 - a log line must never break a response
            self.exception("could not write the access log line")
