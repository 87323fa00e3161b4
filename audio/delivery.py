"""Serving a clip's audio to its owner.

Local storage: a streaming response that honours a single HTTP ``Range`` (so the browser
can seek) and ``?download=1`` for an attachment. S3: a redirect to a presigned GET that
lives at most ``AUDIO_URL_EXPIRE_SECONDS`` (≤ 300 s), with ``attachment`` disposition and
``audio/wav``. The caller has already checked ownership. ``file_response`` serves any stored
WAV the same way (voice previews).

``?format=mp3`` serves the clip as MP3, encoded on the first request (audio.encoding) and kept in
storage beside the WAV (``<key>.mp3`` for ``<key>.wav``), so later downloads do not encode again.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from audio import encoding, storage
from audio.history import download_filename
from audio.models import GeneratedAudioClip

MAX_URL_SECONDS = 300
FORMATS = {"wav": None, **storage.ENCODED_FORMATS}  # ?format= -> audio.encoding output format (None: as stored)
CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}
CHUNK_BYTES = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")  # 18 digits: far past any file, never past int()


def url_expire_seconds() -> int:
    return max(1, min(int(getattr(settings, "AUDIO_URL_EXPIRE_SECONDS", MAX_URL_SECONDS)), MAX_URL_SECONDS))


def is_s3() -> bool:
    return hasattr(default_storage, "bucket_name")


def _disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"


def presigned_url(clip: GeneratedAudioClip, *, expire: int | None = None, kind: str = "wav") -> str:
    key = clip.s3_key if kind == "wav" else storage.encoded_key(clip.s3_key, kind)
    return _presigned_key_url(key, download_filename(clip, kind), "attachment", expire=expire,
                              content_type=CONTENT_TYPES[kind])


def _presigned_key_url(key: str, filename: str, kind: str, *, expire: int | None = None,
                       content_type: str = "audio/wav") -> str:
    return default_storage.url(
        key,
        parameters={
            "ResponseContentDisposition": _disposition(kind, filename),
            "ResponseContentType": content_type,
        },
        expire=expire or url_expire_seconds(),
    )


def ensure_encoded(clip: GeneratedAudioClip, kind: str) -> str:
    """The storage key of the clip's audio as ``kind``; encoded and stored on first use."""
    if FORMATS[kind] is None:
        return clip.s3_key
    key = storage.encoded_key(clip.s3_key, kind)
    if default_storage.exists(key):
        return key
    try:
        wav = storage.read(clip.s3_key)
    except FileNotFoundError:
        raise Http404("The audio file is missing from storage.") from None
    data, _content_type, _extension = encoding.encode(wav, FORMATS[kind])
    if not default_storage.exists(key):  # another request may have just stored it
        storage.save_bytes(key, data)
    return key


def audio_response(request, clip: GeneratedAudioClip, *, kind: str = "wav") -> HttpResponse:
    """The response for ``GET /app/clips/<id>/audio/`` of a done clip (``kind``: wav or mp3)."""
    key = ensure_encoded(clip, kind)
    if is_s3():
        response = HttpResponseRedirect(presigned_url(clip, kind=kind))
        response["Cache-Control"] = "private, no-store"
        return response
    download = request.GET.get("download") == "1"
    return _stream(request, key, filename=download_filename(clip, kind), download=download,
                   cache_control="private, max-age=3600", content_type=CONTENT_TYPES[kind])


def file_response(request, key: str, *, filename: str, cache_control: str) -> HttpResponse:
    """Another stored WAV (a voice preview), played inline: streamed, or a presigned redirect."""
    if is_s3():
        response = HttpResponseRedirect(_presigned_key_url(key, filename, "inline"))
        response["Cache-Control"] = "private, no-store"
        return response
    return _stream(request, key, filename=filename, download=False, cache_control=cache_control)


def _parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(start, end) inclusive for a satisfiable single range; None when absent or not
    understood (serve the whole file, as RFC 9110 allows); False when unsatisfiable."""
    match = _RANGE.match(header.strip()) if header else None
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK_BYTES, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def _stream(request, key: str, *, filename: str, download: bool, cache_control: str,
            content_type: str = "audio/wav") -> HttpResponse:
    try:
        size = default_storage.size(key)
    except FileNotFoundError:
        raise Http404("The audio file is missing from storage.") from None
    wanted = _parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = max(end - start + 1, 0)
    status = 206 if wanted else 200
    if request.method == "HEAD":  # the headers a GET would send, and no body
        response = HttpResponse(status=status, content_type=content_type)
    else:
        handle = default_storage.open(key, "rb")
        response = StreamingHttpResponse(_chunks(handle, start, length), content_type=content_type, status=status)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = _disposition("attachment" if download else "inline", filename)
    response["Cache-Control"] = cache_control
    return response
