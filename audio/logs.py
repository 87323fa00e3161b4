"""One structured line per clip lifecycle event (requested, started, retried, done, failed, refunded)."""

from __future__ import annotations

import json
import logging

from elevenlabs_bernie import request_id

logger = logging.getLogger("audio.lifecycle")


def clip_event(event: str, *, clip, outcome: str = "", engine: str = "", duration: float | None = None, **extra) -> None:
    record = {
        "event": f"clip.{event}",
        "clip_id": clip.id,
        "user_id": clip.user_id,
        "service": clip.service,
        "engine": engine or clip.engine or "",
        "duration_s": round(duration, 3) if duration is not None else None,
        "outcome": outcome or event,
        "request_id": request_id.current() or None,  # set when a request (not the worker) did it
        **extra,
    }
    logger.info(json.dumps(record, default=str, sort_keys=False))
