"""The caller's history, as ElevenLabs' clients read it: every clip of the key's owner.

Paged by keyset: ``start_after_history_item_id`` names the last item seen, and the next page
starts after its (created_at, id), so page 1000 costs what page 1 does. History audio is served
as MP3 (mp3_44100_128; stored clips are WAV, made into MP3 on the way out). For each item,
``character_count_change_to - character_count_change_from`` is what the clip cost in credits
(0 once refunded); running totals per request are not kept, so ``from`` is 0.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from django.http import HttpResponse
from django.db.models import Q
from ninja import Query, Router

from api import schemas, streams
from api.catalog import model_id
from api.errors import ApiError
from api.responses import AUDIO_TYPES, audio, audio_doc, errors
from audio import encoding, engines, services
from audio.engines import registry
from audio.history import download_filename
from audio.models import ClipSource, GeneratedAudioClip

router = Router(tags=["history"])

PAGE_SIZE_MAX = 1000
DOWNLOAD_MAX_ITEMS = 100
HISTORY_FORMAT = encoding.get(encoding.DEFAULT)
STATES = {"done": "created", "pending": "processing", "failed": "failed"}
# ElevenLabs' product names for ``source`` select a service here; "api" and "studio" where from.
SOURCES = {"tts": registry.TEXT_TO_SPEECH.id, "sts": registry.VOICE_CHANGER.id, "sfx": registry.SOUND_EFFECTS.id}
MISSING = "No history item with this id."


class HistoryQuery(schemas.Loose):
    page_size: int = 100
    start_after_history_item_id: str | None = None
    voice_id: str | None = None
    model_id: str | None = None
    date_before_unix: int | None = None
    date_after_unix: int | None = None
    sort_direction: str | None = None
    search: str | None = None
    source: str | None = None


def _voice_names() -> dict[str, str]:
    names = {}
    for spec in registry.SERVICES:
        try:
            names.update({voice.id: voice.name for voice in engines.get_engine(spec.id).voices()} if spec.has_voices else {})
        except engines.EngineError:
            pass
    return names


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def item_json(clip: GeneratedAudioClip, names: dict[str, str]) -> dict:
    charged = 0 if clip.failed else clip.cost
    return {
        "history_item_id": clip.id, "request_id": clip.id, "voice_id": clip.voice,
        "voice_name": names.get(clip.voice or "", clip.voice), "voice_category": "premade" if clip.voice else None,
        "model_id": model_id(clip.spec), "text": clip.text, "date_unix": _unix(clip.created_at),
        "character_count_change_from": 0, "character_count_change_to": charged,
        "content_type": HISTORY_FORMAT.content_type, "state": STATES[clip.status], "settings": clip.params or {},
        "source": clip.source, "output_format": HISTORY_FORMAT.name,
    }


def _owned(request, history_item_id: str) -> GeneratedAudioClip:
    clip = request.auth.user.clips.filter(pk=history_item_id).first()
    if clip is None:
        raise ApiError(404, "history_item_not_found", MISSING)
    return clip


def _filtered(clips, query: HistoryQuery):
    if query.voice_id:
        clips = clips.filter(voice=query.voice_id)
    if query.model_id:
        clips = clips.filter(service__in=[spec.id for spec in registry.SERVICES if model_id(spec) == query.model_id])
    if query.search:
        clips = clips.search(query.search[:200])
    if query.source:
        source = query.source.strip().lower()
        clips = clips.filter(source=source) if source in ClipSource.values else clips.filter(service=SOURCES.get(source, ""))
    for name, lookup in (("date_before_unix", "created_at__lt"), ("date_after_unix", "created_at__gt")):
        value = getattr(query, name)
        if value is not None:
            try:
                clips = clips.filter(**{lookup: datetime.fromtimestamp(value, tz=UTC)})
            except (OverflowError, OSError, ValueError):
                raise ApiError(400, "invalid_date", f"{name} is not a valid time.") from None
    return clips


@router.get("/v1/history", response={200: schemas.HistoryPage, **errors(400, 404)}, summary="History, newest first",
            operation_id="history")
def history(request, query: Query[HistoryQuery]):
    if not 1 <= query.page_size <= PAGE_SIZE_MAX:
        raise ApiError(400, "invalid_page_size", f"page_size must be from 1 to {PAGE_SIZE_MAX}.")
    ascending = (query.sort_direction or "desc").lower() == "asc"
    clips = _filtered(request.auth.user.clips.all(), query)
    clips = clips.order_by("created_at", "id") if ascending else clips.newest()
    if query.start_after_history_item_id:
        last = _owned(request, query.start_after_history_item_id)
        at, pk = last.created_at, last.pk
        clips = clips.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=pk) if ascending
                             else Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    page = list(clips[: query.page_size + 1])
    has_more = len(page) > query.page_size
    page = page[: query.page_size]
    names = _voice_names()
    return {"history": [item_json(clip, names) for clip in page], "has_more": has_more,
            "last_history_item_id": page[-1].id if page else None,
            "scanned_until": _unix(page[-1].created_at) if page else None}


@router.post("/v1/history/download", response=errors(400, 404, 413),
             openapi_extra={"responses": {200: audio_doc("One item: its audio. Several: a zip of them.",
                                                         [*AUDIO_TYPES, "application/zip"])}},
             summary="Download history items", operation_id="history_download")
def history_download(request, body: schemas.HistoryDownloadBody):
    ids = list(dict.fromkeys(body.history_item_ids))
    if not ids:
        raise ApiError(400, "invalid_request", "Name at least one history item.")
    if len(ids) > DOWNLOAD_MAX_ITEMS:
        raise ApiError(400, "invalid_request", f"At most {DOWNLOAD_MAX_ITEMS} items at once.")
    fmt = _download_format(body.output_format)
    clips = {clip.pk: clip for clip in request.auth.user.clips.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in clips]
    if missing:
        raise ApiError(404, "history_item_not_found", MISSING)
    if any(clip.status != "done" for clip in clips.values()):
        raise ApiError(400, "history_item_has_no_audio", "Some of these items have no audio (pending or failed).")
    if len(ids) == 1:
        return audio(clips[ids[0]], fmt, attachment=True)
    return _zip([clips[pk] for pk in ids], fmt)


def _download_format(name: str | None) -> encoding.Format:
    if not name or name == "default":
        return HISTORY_FORMAT
    if name == "wav":
        return encoding.get("wav_44100")
    try:
        return encoding.get(name)
    except encoding.UnknownFormat:
        raise ApiError(400, "invalid_output_format", "output_format must be \"wav\" or an output format name.") from None


def _zip(clips: list[GeneratedAudioClip], fmt: encoding.Format) -> HttpResponse:
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for clip in clips:
            name = download_filename(clip, fmt.extension)
            stem, _, extension = name.rpartition(".")
            count = 1
            while name in used:
                count += 1
                name = f"{stem}-{count}.{extension}"
            used.add(name)
            archive.writestr(name, streams.source_for(clip, fmt).data)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="history.zip"'
    return response


@router.get("/v1/history/{history_item_id}", response={200: schemas.HistoryItem, **errors(404)},
            summary="One history item", operation_id="history_item")
def history_item(request, history_item_id: str):
    return item_json(_owned(request, history_item_id), _voice_names())


@router.delete("/v1/history/{history_item_id}", response={200: schemas.Status, **errors(404, 409)},
               summary="Delete a history item", operation_id="history_item_delete")
def history_item_delete(request, history_item_id: str):
    clip = _owned(request, history_item_id)
    if not services.clips_delete(clips=request.auth.user.clips.filter(pk=clip.pk)):
        raise ApiError(409, "history_item_pending", "This item is still being generated; delete it once it has finished.")
    return {"status": "ok"}


@router.get("/v1/history/{history_item_id}/audio", response=errors(404),
            openapi_extra={"responses": {200: audio_doc("The item's audio (MP3).", ["audio/mpeg"])}},
            summary="A history item's audio", operation_id="history_item_audio")
def history_item_audio(request, history_item_id: str):
    clip = _owned(request, history_item_id)
    if clip.status != "done":
        raise ApiError(404, "history_item_has_no_audio", "This item has no audio: it is pending or failed.")
    return audio(clip, HISTORY_FORMAT)
