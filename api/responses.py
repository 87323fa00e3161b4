"""Audio answers and what the OpenAPI document says of them."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse

from api import generate, schemas, streams
from api.errors import ApiInvalid, field_error
from audio import encoding
from audio.history import download_filename
from audio.models import GeneratedAudioClip

AUDIO_TYPES = sorted(set(encoding.CONTENT_TYPES.values()))


def audio_doc(description: str = "The audio, in the asked output_format.", types=AUDIO_TYPES) -> dict:
    return {"description": description,
            "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in types}}


def errors(*statuses: int, openai: bool = False) -> dict:
    """The error answers an operation can give (every one can give 400 for a malformed
    address, 401, 422 and 503)."""
    shape = schemas.OpenAIError if openai else schemas.Error
    found = {status: shape for status in (400, 401, 503, *statuses)}
    found[422] = schemas.OpenAIError if openai else schemas.Invalid
    return found


def output_format(name: str | None, *, loc=("query", "output_format")) -> encoding.Format:
    try:
        return encoding.get(name or encoding.DEFAULT)
    except encoding.UnknownFormat as exc:
        raise ApiInvalid([field_error(list(loc), str(exc))]) from None


def clip_headers(response, clip: GeneratedAudioClip) -> None:
    response["history-item-id"] = clip.id
    response["request-id"] = clip.id
    response["character-cost"] = str(clip.cost)
    response["Cache-Control"] = "no-store"


def audio(clip: GeneratedAudioClip, fmt: encoding.Format, *, stream: bool = False,
          attachment: bool = False) -> HttpResponse:
    source = streams.source_for(clip, fmt)
    if stream:
        response = StreamingHttpResponse(source.chunks(), content_type=source.content_type)
    else:
        response = HttpResponse(source.data, content_type=source.content_type)
    clip_headers(response, clip)
    kind = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{kind}; filename="{download_filename(clip, fmt.extension)}"'
    return response


def progressive(make_clip, fmt: encoding.Format) -> HttpResponse:
    """Charge and queue the clip ``make_clip`` makes, and answer with its audio as the worker
    makes it (api.streams.progressive); formats that cannot be streamed wait for the clip."""
    if not streams.streamable(fmt):
        return audio(generate.finished(make_clip().id), fmt, stream=True)
    clip, response = streams.progressive(make_clip, fmt)
    clip_headers(response, clip)
    response["Content-Disposition"] = f'inline; filename="{download_filename(clip, fmt.extension)}"'
    response["X-Accel-Buffering"] = "no"  # nginx: pass each chunk on at once
    return response
