"""Rendered studio HTML kept per process, so the page people open most costs about what a bare
view costs (issue: the history page at >= 0.6x a one-query view; bench/load.py measures it).

Two caches, both least recently used first out and holding only HTML:

- ``ROWS``: one history row by everything it shows (``history.Row.key``: the clip's state, its
  voice's name, its address). A row holds nothing of the request or the user beyond its clip,
  so any request may reuse it; pending rows (their estimate moves) are never kept.
- ``PAGES``: a user's whole studio body (editor, settings, history) by ``page_key``: the user,
  their ``HistoryVersion`` token (renewed in the same transaction as any change to any of their
  clips, audio.models), their balance, the service, the address with its query, today's date,
  the voices and which have previews. The masked CSRF token differs per request: the body is
  kept with a placeholder and the request's token put in on the way out. Not kept or used: a
  page with a pending clip (its estimate moves), a refused submission waiting in the session,
  ``?reuse=``. Bounded by STUDIO_PAGE_CACHE_MB per process.

A hit costs one indexed query (the token) instead of the history's two and the preference's
one, and no template rendering.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from audio.models import HistoryVersion

CSRF_PLACEHOLDER = mark_safe("<!--csrf-field-->")  # a comment: inert if it ever leaked
MAX_QUERY_CHARS = 1000


class _Lru:
    def __init__(self, *, max_items: int | None = None, max_chars: int | None = None):
        self.max_items = max_items
        self.max_chars = max_chars
        self.items: OrderedDict[tuple, SafeString] = OrderedDict()
        self.chars = 0
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.chars = 0

    def get(self, key: tuple) -> SafeString | None:
        with self.lock:
            html = self.items.get(key)
            if html is not None:
                self.items.move_to_end(key)
            return html

    def put(self, key: tuple, html: SafeString) -> None:
        with self.lock:
            old = self.items.pop(key, None)
            self.chars -= len(old) if old is not None else 0
            self.items[key] = html
            self.chars += len(html)
            while self.items and ((self.max_items and len(self.items) > self.max_items)
                                  or (self.max_chars and self.chars > self.max_chars)):
                _key, dropped = self.items.popitem(last=False)
                self.chars -= len(dropped)


ROWS = _Lru(max_items=4096)
PAGES = _Lru(max_chars=int(settings.STUDIO_PAGE_CACHE_MB * 1024 * 1024))


def clear() -> None:
    ROWS.clear()
    PAGES.clear()


def page_key(request, spec, *, refused_key: str, voices, previews) -> tuple | None:
    """What the studio body shows, as a key; None when this request's body must be made fresh."""
    query = request.GET.urlencode()
    if (not PAGES.max_chars or refused_key in request.session or "reuse" in request.GET
            or len(query) > MAX_QUERY_CHARS):
        return None
    user = request.user
    return (user.pk, HistoryVersion.of(user.pk), user.credits, spec.id, request.path, query,
            timezone.get_current_timezone_name(), timezone.localdate(),
            tuple((voice.id, voice.name) for voice in voices), tuple(sorted(previews)))


def with_csrf(body: str, csrf_field: str) -> SafeString:
    return mark_safe(body.replace(CSRF_PLACEHOLDER, csrf_field))  # noqa: S308 - both are our own HTML
