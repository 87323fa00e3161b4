"""Where audio files live: server-generated keys in Django's default storage (local or S3)."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

OUTPUT_PREFIX = {
    "styletts2": "styletts2-output",
    "seedvc": "seedvc-outputs",
    "make-an-audio": "make-an-audio-outputs",
}
UPLOAD_PREFIX = "seed-vc-audio-uploads"


def new_key(prefix: str, extension: str) -> str:
    return f"{prefix}/{uuid.uuid4()}.{extension.lstrip('.').lower()}"


def save_bytes(key: str, data: bytes) -> str:
    """Save under exactly ``key`` (never renamed: keys are fresh UUIDs)."""
    saved = default_storage.save(key, ContentFile(data))
    if saved != key:  # pragma: no cover - only if a UUID collided
        raise RuntimeError(f"storage renamed {key} to {saved}")
    return saved


def save_output(service: str, wav: bytes) -> str:
    return save_bytes(new_key(OUTPUT_PREFIX[service], "wav"), wav)


def save_upload(data: bytes, extension: str) -> str:
    return save_bytes(new_key(UPLOAD_PREFIX, extension), data)


def read(key: str) -> bytes:
    with default_storage.open(key, "rb") as handle:
        return handle.read()


def delete_quietly(key: str | None) -> None:
    if key:
        try:
            default_storage.delete(key)
        except Exception:  # noqa: BLE001 - best effort clean-up of an orphan
            pass
