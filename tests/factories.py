"""Test data builders, in one place: users, clips, generation requests, audio files."""

from __future__ import annotations

import io
import itertools
import math
import struct
import wave

from accounts.models import User
from audio.engines import GenerationRequest
from audio.models import GeneratedAudioClip

_seq = itertools.count(1)


class UserFactory:
    password = "correct horse battery staple"

    def __new__(cls, **fields):
        n = next(_seq)
        fields.setdefault("email", f"user{n}@example.com")
        password = fields.pop("password", cls.password)
        return User.objects.create_user(password=password, **fields)


def make_clip(user: User, *, service: str = "styletts2", status: str = "done", **fields) -> GeneratedAudioClip:
    """A clip row as the studio would have left it (no charge, no file unless given)."""
    fields.setdefault("text", "Hello there.")
    fields.setdefault("voice", "andreas")
    if status == "done":
        fields.setdefault("s3_key", f"styletts2-output/{next(_seq):08d}.wav")
    elif status == "failed":
        fields.setdefault("failed", True)
        fields.setdefault("error", "The engine failed.")
    return GeneratedAudioClip.objects.create(user=user, service=service, **fields)


def ask(*, prompt: str | None = None, duration: float | None = None, seed: int | None = None,
        params: dict | None = None, **fields) -> GenerationRequest:
    """A GenerationRequest in the words of the service: ask(text=..., voice=...),
    ask(voice=..., source_audio=...), ask(prompt=..., duration=..., seed=...)."""
    params = dict(params or {})
    if duration is not None:
        params["duration"] = duration
    if seed is not None:
        params["seed"] = seed
    if prompt is not None:
        fields["text"] = prompt
    return GenerationRequest(params=params, **fields)


def wav_bytes(seconds: float = 1.0, *, rate: int = 16000, freq: float = 140.0) -> bytes:
    """A mono 16-bit WAV of a voiced-like tone (harmonics, so pitch tracking finds it)."""
    frames = int(seconds * rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        chunk = bytearray()
        for i in range(frames):
            t = i / rate
            value = sum(math.sin(2 * math.pi * freq * k * t) / k for k in (1, 2, 3))
            chunk += struct.pack("<h", int(value * 9000))
            if len(chunk) >= 65536:
                out.writeframes(bytes(chunk))
                chunk.clear()
        out.writeframes(bytes(chunk))
    return buffer.getvalue()


def silent_wav(seconds: float, *, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def request_clip(user: User, service: str = "styletts2", **fields) -> GeneratedAudioClip:
    """A clip requested as the pages and the API request one: the service's form checks the
    fields (``audio=`` takes WAV bytes), then services.clip_request charges and queues it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from audio import services
    from audio.engines import registry

    files = {}
    if "audio" in fields:
        files["audio"] = SimpleUploadedFile("recording.wav", fields.pop("audio"), content_type="audio/wav")
    form = registry.get(service).form_class(data=fields, files=files)
    assert form.is_valid(), form.errors
    return services.clip_request(user=user, service=service, request=form.generation_request(), upload=form.upload())


def finish_clip(clip: GeneratedAudioClip, wav: bytes | None = None) -> GeneratedAudioClip:
    """Store ``wav`` (1 s of tone by default) as the clip's audio and mark it done, as the
    worker does after the engine answers."""
    from audio import generation, storage

    wav = wav if wav is not None else wav_bytes(1.0)
    key = storage.save_output(clip.spec, wav)
    generation.clip_complete(clip_id=clip.id, key=key, duration=generation.wav_duration(wav))
    clip.refresh_from_db()
    return clip
