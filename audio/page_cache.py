"""Rendered studio HTML kept per process, so the page people open most costs about what a bare
view costs (issue: the history page at >= 0.6x a one-query view; bench/load.py measures it).

Two caches, both least recently used first out and holding only HTML:

- ``ROWS``: one history row by everything it shows (``history.Row.key``: the clip's state, its
  voice's name, its address). A row holds nothing of the request or the user beyond its clip,
  so any request may reuse it; pending rows (their estimate moves) are never kept.
- ``PAGES``: a user's whole studio page by ``page_key``: the user, their ``HistoryVersion``
  token (renewed in the same transaction as any change to any of their clips, audio.models),
  their balance and staff flag, the service, the address with its query, the time zone and
  today's date, the voices and which have previews. The masked CSRF token differs per request:
  the page is kept with a placeholder and the request's token put in on the way out. Not kept or
  used: a page with a pending clip (its estimate moves), a page with messages to show, a refused
  submission waiting in the session, ``?reuse=``. Bounded by STUDIO_PAGE_CACHE_MB per process.

A hit costs one indexed query (the token) instead of the history's two and the preference's
one, and renders no template.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from audio.models import HistoryVersion

# Pages are kept with this in place of the CSRF token; each response gets its own masked token.
# Random per process, so no text a user typed can be taken for it.
CSRF_TOKEN = f"csrf-{secrets.token_hex(16)}"
CSRF_FIELD = mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_TOKEN}">')
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
            or len(query) > MAX_QUERY_CHARS or len(messages.get_messages(request))):
        return None
    user = request.user
    return (user.pk, HistoryVersion.of(user.pk), user.credits, user.is_staff, spec.id, request.path, query,
            timezone.get_current_timezone_name(), timezone.localdate(),
            tuple((voice.id, voice.name) for voice in voices), tuple(sorted(previews)))


def with_csrf(html: str, token: str) -> str:
    return html.replace(CSRF_TOKEN, token)
