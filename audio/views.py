"""The studio: three generation pages, clip status, audio delivery and delete.

Every form works without JavaScript (POST, then redirect with a message). The page's
script submits the same forms with ``Accept: application/json`` and gets JSON back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audio import delivery, engines, previews, services
from audio.engines.base import (
    DURATION_DEFAULT_SECONDS,
    DURATION_MAX_SECONDS,
    DURATION_MIN_SECONDS,
    PROMPT_MAX_CHARS,
    TEXT_MAX_CHARS,
)
from audio.models import GeneratedAudioClip, Service

HISTORY_PAGE_SIZE = 50
MAX_HISTORY_PAGE = 100_000  # keeps the OFFSET within every database's integer range
UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and the other fields


@dataclass(frozen=True)
class Page:
    service: str
    title: str
    url_name: str
    editor: str
    limit: int | None = None


PAGES = {
    Service.TTS: Page(Service.TTS, "Text to Speech", "audio:text_to_speech", "audio/_editor_tts.html", TEXT_MAX_CHARS),
    Service.VOICE_CHANGER: Page(Service.VOICE_CHANGER, "Voice Changer", "audio:voice_changer", "audio/_editor_vc.html"),
    Service.SOUND_EFFECTS: Page(
        Service.SOUND_EFFECTS, "Sound Effects", "audio:sound_effects", "audio/_editor_sfx.html", PROMPT_MAX_CHARS
    ),
}


# -- pages -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def text_to_speech(request):
    return _studio(request, PAGES[Service.TTS])


@login_required
@csrf_exempt  # checked by hand after the size check, so an oversized upload is refused unread
@require_http_methods(["GET", "HEAD", "POST"])
def voice_changer(request):
    if request.method == "POST":
        if _content_length(request) > settings.AUDIO_UPLOAD_MAX_BYTES + UPLOAD_OVERHEAD_BYTES:
            limit = settings.AUDIO_UPLOAD_MAX_BYTES // 1024 // 1024
            return _refuse(request, PAGES[Service.VOICE_CHANGER], f"The file is larger than {limit} MB; the limit is {limit} MB.", status=413)
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    return _studio(request, PAGES[Service.VOICE_CHANGER])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sound_effects(request):
    return _studio(request, PAGES[Service.SOUND_EFFECTS])


def _studio(request, page: Page):
    if request.method == "POST":
        return _submit(request, page)
    partial = request.GET.get("partial")
    if partial == "history":
        return render(request, "audio/studio.html#history", _history_context(request, page))
    if partial == "row":
        clip = get_object_or_404(request.user.clips.for_service(page.service), pk=request.GET.get("clip", ""))
        return render(request, "audio/studio.html#clip_row", {"clip": _decorate(clip, _voice_names(page.service))})
    return render(request, "audio/studio.html", _page_context(request, page))


def _page_context(request, page: Page) -> dict:
    cost = services.cost_of(page.service)
    all_voices = _voices(page.service)
    voices = all_voices if page.service != Service.SOUND_EFFECTS else []
    return {
        "page": page,
        "voices": voices,
        "preview_voices": previews.available(page.service, voices),
        "sfx_vocabulary": _sfx_vocabulary() if page.service == Service.SOUND_EFFECTS else "",
        "cost": cost,
        "short_of_credits": request.user.credits < cost,
        "text_max": TEXT_MAX_CHARS,
        "prompt_max": PROMPT_MAX_CHARS,
        "upload_max_mb": settings.AUDIO_UPLOAD_MAX_BYTES // 1024 // 1024,
        "upload_max_minutes": settings.AUDIO_UPLOAD_MAX_SECONDS // 60,
        "duration_min": DURATION_MIN_SECONDS,
        "duration_max": DURATION_MAX_SECONDS,
        "duration_default": DURATION_DEFAULT_SECONDS,
        "form": request.session.pop("studio_form", {}) if hasattr(request, "session") else {},
        **_history_context(request, page, names={voice.id: voice.name for voice in all_voices}),
    }


def _sfx_vocabulary() -> str:
    try:
        from audio.engines.procedural_sfx import vocabulary_sentence

        return vocabulary_sentence()
    except Exception:  # noqa: BLE001 - the hint is optional
        return ""


def _history_context(request, page: Page, *, names: dict[str, str] | None = None) -> dict:
    query = request.GET.get("q", "").strip()[:200]
    try:
        number = min(max(1, int(request.GET.get("page") or 1)), MAX_HISTORY_PAGE)
    except ValueError:
        number = 1
    start = (number - 1) * HISTORY_PAGE_SIZE
    clips = list(
        request.user.clips.for_service(page.service).search(query).newest()[start : start + HISTORY_PAGE_SIZE + 1]
    )
    has_next = len(clips) > HISTORY_PAGE_SIZE
    if names is None:
        names = _voice_names(page.service)
    clips = [_decorate(clip, names) for clip in clips[:HISTORY_PAGE_SIZE]]
    return {
        "page": page,
        "query": query,
        "page_number": number,
        "has_next": has_next,
        "has_previous": number > 1,
        "groups": _group_by_day(clips),
    }


def _voices(service: str) -> list:
    try:
        return engines.get_engine(service).voices()
    except Exception:  # noqa: BLE001 - a page must render even if a remote engine is down
        return []


def _voice_names(service: str) -> dict[str, str]:
    return {voice.id: voice.name for voice in _voices(service)}


def _decorate(clip: GeneratedAudioClip, names: dict[str, str]) -> GeneratedAudioClip:
    """Display fields for a history row (title, voice name), computed once."""
    clip.voice_name = names.get(clip.voice or "", clip.voice or "")
    if clip.service == Service.VOICE_CHANGER:
        clip.title = f"Voice conversion to {clip.voice_name}"
    else:
        words = (clip.text or "").split()
        clip.title = " ".join(words[:10]) + ("…" if len(words) > 10 else "")
    clip.filename = delivery.download_filename(clip)
    return clip


def _group_by_day(clips: list[GeneratedAudioClip]) -> list[tuple[str, list[GeneratedAudioClip]]]:
    today = timezone.localdate()
    groups: list[tuple[str, list]] = []
    for clip in clips:
        day = timezone.localtime(clip.created_at).date()
        if day == today:
            label = "Today"
        elif day == today - timedelta(days=1):
            label = "Yesterday"
        else:
            label = day.strftime("%-d %B %Y")
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(clip)
    return groups


# -- submitting --------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refuse(request, page: Page, message: str, *, status: int = 400):
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return redirect(page.url_name)


def _submit(request, page: Page):
    post = request.POST
    params: dict = {"user": request.user, "service": page.service}
    if page.service == Service.TTS:
        params.update(text=post.get("text", ""), voice=post.get("voice", ""))
    elif page.service == Service.VOICE_CHANGER:
        params["voice"] = post.get("voice", "")
        uploaded = request.FILES.get("audio")
        if uploaded is not None:
            if uploaded.size > settings.AUDIO_UPLOAD_MAX_BYTES:
                limit = settings.AUDIO_UPLOAD_MAX_BYTES // 1024 // 1024
                return _refuse(request, page, f"The file is larger than {limit} MB; the limit is {limit} MB.", status=413)
            params["upload"] = services.Upload(data=uploaded.read())
    else:
        params["prompt"] = post.get("prompt", "")
        raw = post.get("duration", "").strip()
        if raw:
            try:
                params["duration"] = float(raw)
            except ValueError:
                return _refuse(request, page, "The duration must be a number of seconds.")
    try:
        clip = services.clip_request(**params)
    except services.InsufficientCredits as exc:
        return _refuse(request, page, str(exc), status=402)
    except services.ClipRequestError as exc:
        if page.service != Service.VOICE_CHANGER:
            request.session["studio_form"] = {k: post.get(k, "") for k in ("text", "voice", "prompt", "duration")}
        return _refuse(request, page, str(exc))

    notice = _queued_message(clip)
    if _wants_json(request):
        payload = status_payload(clip, credits=request.user.credits)
        payload["message"] = notice
        payload["row_html"] = render_to_string(
            "audio/studio.html#clip_row", {"clip": _decorate(clip, _voice_names(page.service))}, request=request
        )
        return JsonResponse(payload, status=201)
    messages.success(request, notice)
    return redirect(page.url_name)


def _queued_message(clip: GeneratedAudioClip) -> str:
    if clip.scheduled_for:
        at = timezone.localtime(clip.scheduled_for).strftime("%H:%M:%S")
        return (f"You have made more than {services.RATE_LIMIT_PER_MINUTE} requests this minute, "
                f"so this one is queued and starts at {at}. {clip.cost} credits were taken.")
    return f"Generating. {clip.cost} credits were taken; they come back if it fails."


# -- one clip ----------------------------------------------------------------------------


def status_payload(clip: GeneratedAudioClip, *, credits: int | None = None) -> dict:
    done = clip.status == "done"
    payload = {
        "id": clip.id,
        "service": clip.service,
        "status": clip.status,
        "audio_url": reverse("audio:clip_audio", args=[clip.id]) if done else None,
        "error": clip.error if clip.failed else None,
        "scheduled_for": clip.scheduled_for.isoformat() if clip.scheduled_for else None,
        "started": clip.started_at is not None,
        "duration": clip.duration_seconds,
    }
    if credits is not None:
        payload["credits"] = credits
    return payload


@login_required
@require_GET
def clip_status(request, clip_id):
    clip = get_object_or_404(request.user.clips, pk=clip_id)
    credits = User.objects.filter(pk=request.user.pk).values_list("credits", flat=True).first()
    response = JsonResponse(status_payload(clip, credits=credits))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def clip_audio(request, clip_id):
    clip = get_object_or_404(request.user.clips.done(), pk=clip_id)
    return delivery.audio_response(request, clip)


@login_required
@require_GET
def voice_preview(request, service, voice):
    try:
        preview = previews.preview_for(service, voice)
    except Exception:  # noqa: BLE001 - a remote engine that cannot list its voices
        preview = None
    if preview is None or not default_storage.exists(preview.key):
        raise Http404("This voice has no preview yet.")
    return delivery.file_response(request, preview.key, filename=f"preview-{slugify(preview.voice.id) or 'voice'}.wav",
                                  cache_control="private, max-age=300")


@login_required
@require_POST
def clip_delete(request, clip_id):
    clip = get_object_or_404(request.user.clips, pk=clip_id)
    page = PAGES.get(clip.service, PAGES[Service.TTS])
    if not services.clips_delete(clips=request.user.clips.filter(pk=clip.pk)):
        return _refuse(request, page, "This clip is still being generated; delete it once it has finished.", status=409)
    if _wants_json(request):
        return JsonResponse({"id": clip_id, "deleted": True})
    messages.success(request, "Clip deleted.")
    return redirect(page.url_name)

