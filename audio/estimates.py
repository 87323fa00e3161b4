"""How long a generation will take, from how long the engine took for the last clips.

Text to speech scales with the text: seconds per character over the service's recent clips.
The other services take about the same time per clip: the median of the recent ones. Measured
per service over the last ``SAMPLE`` finished clips (anyone's), and kept for a minute, so a page
full of pending rows costs one query.
"""

from __future__ import annotations

from statistics import median

from django.core.cache import cache
from django.db.models.functions import Length

from audio.models import GeneratedAudioClip

SAMPLE = 20
CACHE_SECONDS = 60


def _measure(service: str) -> dict | None:
    rows = list(
        GeneratedAudioClip.objects.for_service(service).done()
        .filter(started_at__isnull=False, finished_at__isnull=False)
        .annotate(chars=Length("text")).order_by("-finished_at", "-id")
        .values_list("started_at", "finished_at", "chars")[:SAMPLE]
    )
    if not rows:
        return None
    seconds = [max((finished - started).total_seconds(), 0.0) for started, finished, _chars in rows]
    characters = sum(chars or 0 for _s, _f, chars in rows)
    return {"per_char": sum(seconds) / characters if characters else None, "median": median(seconds)}


def rate_of(service: str) -> dict | None:
    key = f"clip-estimate:{service}"
    rate = cache.get(key)
    if rate is None:
        rate = _measure(service) or {}
        cache.set(key, rate, CACHE_SECONDS)
    return rate or None


def seconds_for(clip: GeneratedAudioClip, *, rates: dict | None = None) -> float | None:
    """About how many seconds the clip takes once started, or None before any was measured.
    ``rates``: a dict kept by the caller so a page of rows asks the cache once per service."""
    if rates is None:
        rate = rate_of(clip.service)
    else:
        if clip.service not in rates:
            rates[clip.service] = rate_of(clip.service)
        rate = rates[clip.service]
    if not rate:
        return None
    if clip.spec.has_voices and clip.text and rate.get("per_char"):
        return rate["per_char"] * len(clip.text)
    return rate["median"]


def words(seconds: float | None) -> str:
    """ "about 20 s", "about 2 min", or "" when unknown."""
    if seconds is None:
        return ""
    if seconds < 5:
        return "a few seconds"
    if seconds < 90:
        return f"about {int(round(seconds / 5.0) * 5) or 5} s"
    return f"about {round(seconds / 60)} min"
