"""Where audio files live: server-generated keys in Django's default storage (local or S3)."""

from __future__ import annotations

import logging
import uuid
from functools import wraps

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from audio.engines.registry import ServiceSpec
from core.unavailable import DependencyUnavailable

logger = logging.getLogger(__name__)

# Copies of a stored WAV made for delivery, kept beside it: extension -> audio.encoding format.
ENCODED_FORMATS = {"mp3": "mp3_44100_128"}


class StorageUnavailable(DependencyUnavailable):
    """The storage backend failed (S3 down, disk full): the message is safe to show. A view
    that lets it escape answers 503 (elevenlabs_bernie/middleware.py)."""


UNAVAILABLE = "The audio storage is unavailable right now; try again shortly."


def backend_down(exc: BaseException) -> bool:
    """Whether ``exc`` from a storage call means the backend cannot answer (S3 unreachable,
    timing out or answering 5xx; a local disk failing), as opposed to a missing file or a bug."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, FileNotFoundError):
        return False
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500
    return isinstance(exc, (BotoCoreError, OSError))


def unavailable_is_503(view):
    """For views that read storage (audio delivery, voice previews): a storage backend that is
    down raises StorageUnavailable, which the site answers with a plain 503, not a 500."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Exception as exc:
            if not backend_down(exc):
                raise
            logger.warning("storage: %s %s failed: %s: %s", request.method, request.path, type(exc).__name__, exc)
            raise StorageUnavailable(UNAVAILABLE) from exc

    return wrapped


def new_key(prefix: str, extension: str) -> str:
    return f"{prefix}/{uuid.uuid4()}.{extension.lstrip('.').lower()}"


def save_bytes(key: str, data: bytes) -> str:
    """Save under exactly ``key`` (never renamed: keys are fresh UUIDs). Any backend failure
    becomes StorageUnavailable; the detail goes to the log."""
    try:
        saved = default_storage.save(key, ContentFile(data))
    except Exception as exc:  # noqa: BLE001 - botocore, OSError...: all mean "could not store"
        logger.warning("storage: saving %s failed: %s: %s", key, type(exc).__name__, exc)
        raise StorageUnavailable(UNAVAILABLE) from exc
    if saved != key:  # pragma: no cover - only if a UUID collided
        raise StorageUnavailable("The audio storage renamed a new file; try again.")
    return saved


def save_output(spec: ServiceSpec, wav: bytes) -> str:
    return save_bytes(new_key(spec.output_prefix, "wav"), wav)


def save_upload(spec: ServiceSpec, data: bytes, extension: str) -> str:
    return save_bytes(new_key(spec.upload_prefix, extension), data)


def read(key: str) -> bytes:
    """The stored bytes; FileNotFoundError when the key is gone, StorageUnavailable when the
    backend cannot be asked."""
    try:
        with default_storage.open(key, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001
        if _is_missing(exc):
            raise FileNotFoundError(key) from exc
        logger.warning("storage: reading %s failed: %s: %s", key, type(exc).__name__, exc)
        raise StorageUnavailable(UNAVAILABLE) from exc


def _is_missing(exc: Exception) -> bool:
    """botocore's "no such key" (404), as opposed to a backend that is down."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey", "NotFound")


def delete_quietly(key: str | None) -> None:
    if key:
        try:
            default_storage.delete(key)
        except Exception:  # noqa: BLE001 - best effort clean-up of an orphan
            logger.warning("storage: could not delete %s", key, exc_info=True)


def encoded_key(wav_key: str, extension: str) -> str:
    """Where a clip's encoded copy (``mp3``) is kept: beside the WAV, same name."""
    stem = wav_key[: -len(".wav")] if wav_key.lower().endswith(".wav") else wav_key
    return f"{stem}.{extension}"


def encoded_keys(wav_key: str | None) -> list[str]:
    """Every encoded copy a stored WAV may have (to delete with it)."""
    return [encoded_key(wav_key, extension) for extension in ENCODED_FORMATS] if wav_key else []
