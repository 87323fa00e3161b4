"""A service's history as the studio shows it: display rows, grouped by day, paged by keyset.

Pages are cut by a cursor on (created_at, id), not by OFFSET, so the thousandth page of a heavy
user's history costs what the first does. A cursor is opaque to the browser (base64 of the
last row's time and id); a damaged one simply shows the newest page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from audio import estimates
from audio.engines import registry
from audio.models import GeneratedAudioClip

PAGE_SIZE = 50
TITLE_WORDS = 10


class Row:
    """One history row: the clip and what the row shows of it. What takes work to derive (the
    title, the settings in words, the download name) is made only when a row is rendered.

    ``key`` names everything the rendered row depends on that can change (its state, the voice's
    name, its address); the rest (text, voice, settings, service, time) never changes once a clip
    exists. A caller that kept the row rendered under that key gives it back as ``html``, and then
    the clip itself is not even loaded (``clip`` is None)."""

    def __init__(self, clip: GeneratedAudioClip | None, *, key: tuple, created_at: datetime, voice_name: str = "",
                 url: str = "", bulk_delete_url: str = "", estimate: str = "", html: str | None = None):
        self.clip = clip
        self.key = key
        self.created_at = created_at
        self.voice_name = voice_name
        self.url = url  # the clip's status address, /app/clips/<id>/; its actions hang below it
        self.bulk_delete_url = bulk_delete_url  # the service page's delete (asks first without JavaScript)
        self.estimate = estimate  # pending clips: "about 20 s"
        self.html = html

    def __repr__(self) -> str:
        return f"<Row {self.key[0]}>"

    @cached_property
    def title(self) -> str:
        return title_of(self.clip, self.voice_name)

    @cached_property
    def details(self) -> str:
        """The settings it was made with, in words."""
        return details_of(self.clip)

    @cached_property
    def filename(self) -> str:
        return download_filename(self.clip)

    @property
    def audio_url(self) -> str:
        return f"{self.url}audio/"

    @property
    def download_url(self) -> str:
        return f"{self.url}audio/?download=1"

    @property
    def error_text(self) -> str:
        """The failure's reason as a sentence, so "…returned." follows it with one full stop."""
        reason = (self.clip.error or "The engine gave no reason.").strip()
        return reason if reason[-1:] in ".!?…" else f"{reason}."

    @property
    def mp3_url(self) -> str:
        return f"{self.url}audio/?format=mp3&download=1"

    @property
    def regenerate_url(self) -> str:
        return f"{self.url}regenerate/"

    @property
    def delete_url(self) -> str:
        return f"{self.url}delete/"

    @property
    def cancel_url(self) -> str:
        return f"{self.url}cancel/"


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    groups: list[tuple[str, list[Row]]]
    older: str | None  # cursor of the next (older) page
    newer: str | None  # cursor of the previous (newer) page

    @property
    def has_pending(self) -> bool:
        """A row is still being made (its estimate moves: the page must not be kept)."""
        return any(row.html is None and row.clip is not None and row.clip.status == "pending" for row in self.rows)


class ClipUrls:
    """Clip addresses made from one reversed pattern, not one reverse() per row and link
    (audio/urls.py keeps every clip action below the clip's own address)."""

    def __init__(self):
        self._clip = reverse("audio:clip_status", args=["CLIP_ID"])
        self._delete = {spec.id: reverse(f"audio:{spec.slug.replace('-', '_')}_delete") for spec in registry.SERVICES}

    def clip(self, clip_id: str) -> str:
        return self._clip.replace("CLIP_ID", clip_id)

    def delete(self, service: str) -> str:
        return self._delete[service]


def title_of(clip: GeneratedAudioClip, voice_name: str) -> str:
    if clip.text:
        words = clip.text.split()
        return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    source = (clip.params or {}).get("source_name") or "Recording"
    return f"{source} → {voice_name or 'another voice'}"


def details_of(clip: GeneratedAudioClip) -> str:
    """The settings a clip was made with, as a row shows them: "Speed 1.25 · Stability 0.5"."""
    params = clip.params or {}
    parts = []
    if "speed" in params:
        parts.append(f"Speed {params['speed']:g}×")
    for name in ("stability", "variability"):
        if name in params:
            parts.append(f"{name.title()} {params[name]:g}")
    if params.get("pitch"):
        parts.append(f"Pitch {params['pitch']:+d} semitones")
    if "duration" in params and not clip.spec.has_voices:
        source = " (from the description)" if params.get("duration_from") == "prompt" else ""
        parts.append(f"Asked for {params['duration']:g} s{source}")
    return " · ".join(parts)


def download_filename(clip: GeneratedAudioClip, extension: str = "wav") -> str:
    """``tts-andreas-2026-11-27-1530.wav``: service, voice (or the prompt's first words), local time."""
    spec = clip.spec
    if spec.has_voices:
        label = slugify(clip.voice or "") or "clip"
    else:
        label = slugify(" ".join((clip.text or "").split()[:4]))[:40] or "effect"
    stamp = timezone.localtime(clip.created_at).strftime("%Y-%m-%d-%H%M")
    return f"{spec.filename_prefix}-{label}-{stamp}.{extension}"


# What a row's state is read from: the page's first query asks only these columns.
STATE_FIELDS = ("id", "created_at", "service", "voice", "s3_key", "failed", "started_at", "scheduled_for",
                "duration_seconds", "error", "cost")


def state_key(state: dict, *, voice_name: str, url: str) -> tuple:
    """What a rendered row depends on that may change: see Row."""
    return (state["id"], state["s3_key"], state["failed"], state["started_at"], state["scheduled_for"],
            state["duration_seconds"], state["error"], state["cost"], voice_name, url)


def row(clip: GeneratedAudioClip, *, names: dict[str, str], urls: ClipUrls | None = None,
        rates: dict | None = None) -> Row:
    voice_name = names.get(clip.voice or "", clip.voice or "")
    urls = urls or ClipUrls()
    url = urls.clip(clip.id)
    estimate = estimates.words(estimates.seconds_for(clip, rates=rates)) if clip.status == "pending" else ""
    key = state_key({name: getattr(clip, name) for name in STATE_FIELDS}, voice_name=voice_name, url=url)
    return Row(clip, key=key, created_at=clip.created_at, voice_name=voice_name, url=url, estimate=estimate,
               bulk_delete_url=urls.delete(clip.service))


def encode_cursor(clip) -> str:
    """The cursor of a clip (or of its state: a dict with created_at and id)."""
    created_at, clip_id = (clip["created_at"], clip["id"]) if isinstance(clip, dict) else (clip.created_at, clip.id)
    raw = f"{created_at.isoformat()}|{clip_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor or len(cursor) > 400:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, clip_id = raw.split("|", 1)
        moment = datetime.fromisoformat(when)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if timezone.is_naive(moment) or not clip_id or "\x00" in clip_id:
        return None
    return moment, clip_id


def page_of(clips, *, names: dict[str, str], before: str | None = None, after: str | None = None,
            size: int = PAGE_SIZE, rendered: Callable[[tuple], str | None] = lambda key: None) -> Page:
    """One page of ``clips`` (a queryset of one user's clips), newest first: the page older than
    the ``before`` cursor, the page newer than ``after``, or the newest page.

    Two queries at most: the page's rows, state columns only; then whole clips for the rows
    ``rendered(key)`` has no HTML for (and for pending rows, whose estimate moves). A page the
    caller has seen before costs one narrow query."""
    older_than, newer_than = decode_cursor(before), decode_cursor(after)
    if newer_than is not None:
        at, clip_id = newer_than
        chunk = list(clips.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=clip_id))
                     .order_by("created_at", "id").values(*STATE_FIELDS)[: size + 1])
        has_newer = len(chunk) > size
        chunk = list(reversed(chunk[:size]))
        has_older = True
    else:
        query = clips.newest()
        if older_than is not None:
            at, clip_id = older_than
            query = query.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=clip_id))
        chunk = list(query.values(*STATE_FIELDS)[: size + 1])
        has_older = len(chunk) > size
        chunk = chunk[:size]
        has_newer = older_than is not None
    urls, rates, rows, missing = ClipUrls(), {}, [], []
    for state in chunk:
        voice_name = names.get(state["voice"] or "", state["voice"] or "")
        url = urls.clip(state["id"])
        key = state_key(state, voice_name=voice_name, url=url)
        pending = state["s3_key"] is None and not state["failed"]
        html = None if pending else rendered(key)
        rows.append(Row(None, key=key, created_at=state["created_at"], voice_name=voice_name, url=url,
                        bulk_delete_url=urls.delete(state["service"]), html=html))
        if html is None:
            missing.append(state["id"])
    if missing:
        loaded = clips.model.objects.defer("segments").in_bulk(missing)  # segments: the API's timing, large
        for item in rows:
            if item.html is None:
                item.clip = loaded.get(item.key[0])
                if item.clip is not None and item.clip.status == "pending":
                    item.estimate = estimates.words(estimates.seconds_for(item.clip, rates=rates))
        rows = [item for item in rows if item.html is not None or item.clip is not None]  # deleted meanwhile
    return Page(
        rows=rows,
        groups=group_by_day(rows),
        older=encode_cursor(chunk[-1]) if chunk and has_older else None,
        newer=encode_cursor(chunk[0]) if chunk and has_newer else None,
    )


def day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day.day} {day:%B %Y}"


def group_by_day(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    today = timezone.localdate()
    groups: list[tuple[str, list[Row]]] = []
    for item in rows:
        label = day_label(timezone.localtime(item.created_at).date(), today)
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(item)
    return groups
