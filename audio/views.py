"""The studio: one generation page per service, clip status, audio delivery, cancel and delete.

Every form works without JavaScript (POST, then redirect with a message). The page's script
submits the same forms with ``Accept: application/json`` and gets JSON back. A page posts its
service's form (audio/forms.py) and makes one call into audio/services.py.
"""

from __future__ import annotations

from datetime import date
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines as template_engines
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from audio import delivery, encoding, engines, estimates, history, page_cache, previews, services, storage, streaming
from audio.engines import registry
from audio.engines.sfx.vocabulary import DURATION_DEFAULT_SECONDS, DURATION_MAX_SECONDS, DURATION_MIN_SECONDS
from audio.engines.sfx.vocabulary import vocabulary_sentence
from audio.forms import VARIATIONS_MAX
from audio.models import ClipStatus, GeneratedAudioClip

UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and the other fields
EDITORS = {spec.id: f"audio/_editor_{spec.slug.replace('-', '_')}.jinja" for spec in registry.SERVICES}
SETTINGS = {spec.id: f"audio/_settings_{spec.slug.replace('-', '_')}.jinja" for spec in registry.SERVICES}
SEARCH_HINTS = {
    registry.TEXT_TO_SPEECH.id: "Search the text",
    registry.VOICE_CHANGER.id: "Search by file name",
    registry.SOUND_EFFECTS.id: "Search the descriptions",
}
STATUS_FILTERS = [("", "Any status"), (ClipStatus.DONE, "Ready"), (ClipStatus.PENDING, "In progress"),
                  (ClipStatus.FAILED, "Failed")]
FORM_FIELDS = ("text", "voice", "prompt", "duration", "speed", "stability", "variability", "variations", "pitch")


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refuse(request, spec: registry.ServiceSpec, message: str, *, status: int = 400, errors: dict | None = None):
    if _wants_json(request):
        return JsonResponse({"error": message, "errors": errors or {}}, status=status)
    messages.error(request, message)
    return redirect(page_url_name(spec))


def page_url_name(spec: registry.ServiceSpec) -> str:
    return f"audio:{spec.slug.replace('-', '_')}"


def refuse_oversized_uploads(view):
    """Answer 413 to a body larger than the upload limit before anything reads it — before
    the CSRF check too, which would parse the whole multipart body looking for its token."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and _content_length(request) > settings.AUDIO_UPLOAD_MAX_BYTES + UPLOAD_OVERHEAD_BYTES:
            limit = settings.AUDIO_UPLOAD_MAX_BYTES // 1024 // 1024
            spec = registry.get(kwargs["service"])
            return _refuse(request, spec, f"The file is larger than {limit} MB; the limit is {limit} MB.", status=413)
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapped)


# -- pages -------------------------------------------------------------------------------


@login_required
@refuse_oversized_uploads
@require_http_methods(["GET", "HEAD", "POST"])
def studio(request, service: str):
    spec = registry.get(service)
    if request.method == "POST":
        return _submit(request, spec)
    partial = request.GET.get("partial")
    if partial == "history":
        return HttpResponse(jinja(request, "audio/_history.jinja", _history_context(request, spec, _voice_names(spec))))
    if partial == "row":
        clip = get_object_or_404(request.user.clips.for_service(spec.id), pk=request.GET.get("clip", ""))
        return HttpResponse(row_html(request, history.row(clip, names=_voice_names(spec))))
    voices = _voices(spec) if spec.has_voices else []
    preview_voices = previews.available(spec.id, voices)
    key = page_cache.page_key(request, spec, refused_key=_refused_key(spec), voices=voices, previews=preview_voices)
    html = page_cache.PAGES.get(key) if key is not None else None
    if html is None:
        context = _page_context(request, spec, voices, preview_voices)
        context["csrf_field"] = page_cache.CSRF_FIELD  # the request's own token goes in below
        body = jinja(request, "audio/studio.jinja", context)
        html = render_to_string("audio/studio.html", {"spec": spec, "history": context["history"], "studio_body": body,
                                                      "csrf_token": page_cache.CSRF_TOKEN}, request=request)
        if key is not None and not context["history"].has_pending:
            page_cache.PAGES.put(key, html)
    return HttpResponse(page_cache.with_csrf(html, get_token(request)))  # one masked token for all the forms


def jinja(request, name: str, context: dict) -> SafeString:
    """A studio fragment rendered by Jinja2 (the hot templates: templates/audio/*.jinja)."""
    return mark_safe(template_engines["jinja2"].get_template(name).render(context, request))  # noqa: S308 - autoescaped


def row_html(request, row: history.Row) -> SafeString:
    """A history row's HTML: kept per process by what it shows (page_cache.ROWS), except pending
    rows, whose estimate moves."""
    if row.html is not None:
        return row.html
    pending = row.clip.status == "pending"
    html = None if pending else page_cache.ROWS.get(row.key)
    if html is None:
        html = jinja(request, "audio/_row.jinja", {"row": row})
        if not pending:
            page_cache.ROWS.put(row.key, html)
    return html


def _initial(request, spec: registry.ServiceSpec) -> dict:
    """What the editor starts with: a refused submission (shown once, without JavaScript), else
    the clip being reused (?reuse=<id>), else the voice and settings the user last used."""
    refused = request.session.pop(_refused_key(spec), None)
    if refused:
        return refused
    reuse = request.GET.get("reuse")
    clip = request.user.clips.for_service(spec.id).filter(pk=reuse).first() if reuse and len(reuse) < 64 else None
    if clip is not None:
        return reuse_fields(clip)
    preference = request.user.studio_preferences.filter(service=spec.id).first()
    if preference is None:
        return {}
    return {"voice": preference.voice, **{name: preference.settings[name] for name in FORM_FIELDS
                                          if name in preference.settings and name not in ("text", "prompt")}}


def reuse_fields(clip: GeneratedAudioClip) -> dict:
    """The editor's fields filled from a clip: its text or prompt, voice and settings."""
    params = clip.params or {}
    fields = {name: params[name] for name in ("speed", "stability", "variability", "pitch") if name in params}
    if clip.spec.has_voices:
        fields["voice"] = clip.voice or ""
        if clip.text:
            fields["text"] = clip.text
    else:
        fields["prompt"] = clip.text or ""
        if params.get("duration_from") != "prompt" and "duration" in params:
            fields["duration"] = params["duration"]
    return fields


def _page_context(request, spec: registry.ServiceSpec, voices: list, preview_voices: set) -> dict:
    cost = services.cost_of(spec.id)
    return {
        "spec": spec,
        "user": request.user,
        "editor": EDITORS[spec.id],
        "settings_template": SETTINGS[spec.id],
        "search_hint": SEARCH_HINTS[spec.id],
        "status_filters": STATUS_FILTERS,
        "voices": voices,
        "preview_voices": preview_voices,
        "sfx_vocabulary": "" if spec.has_voices else vocabulary_sentence(),
        "cost": cost,
        "short_of_credits": request.user.credits < cost,
        "text_max": settings.TTS_TEXT_MAX_CHARS,
        "prompt_max": settings.SFX_PROMPT_MAX_CHARS,
        "upload_max_mb": settings.AUDIO_UPLOAD_MAX_BYTES // 1024 // 1024,
        "upload_max_minutes": settings.AUDIO_UPLOAD_MAX_SECONDS // 60,
        "duration_min": DURATION_MIN_SECONDS,
        "duration_max": DURATION_MAX_SECONDS,
        "duration_default": DURATION_DEFAULT_SECONDS,
        "variation_choices": [str(n) for n in range(1, VARIATIONS_MAX + 1)],
        "form": _initial(request, spec),
        "upload_max_seconds": settings.AUDIO_UPLOAD_MAX_SECONDS,
        **_history_context(request, spec, {voice.id: voice.name for voice in voices}),
    }


def _history_context(request, spec: registry.ServiceSpec, names: dict[str, str]) -> dict:
    query = request.GET.get("q", "").strip()[:200]
    voice = request.GET.get("voice", "")[:191] if spec.has_voices else ""
    status = request.GET.get("status", "")
    status = status if status in ClipStatus.values else ""
    try:
        day = date.fromisoformat(request.GET.get("day", "")[:10])
    except ValueError:
        day = None
    clips = request.user.clips.for_service(spec.id).search(query).with_voice(voice).with_status(status).made_on(day)
    page = history.page_of(clips, names=names, before=request.GET.get("before"), after=request.GET.get("after"),
                           rendered=page_cache.ROWS.get)
    filters = {name: value for name, value in (("q", query), ("voice", voice), ("status", status),
                                                ("day", day.isoformat() if day else "")) if value}
    return {"spec": spec, "query": query, "history": page, "filters": filters, "row_html": lambda row: row_html(request, row),
            "filter_query": urlencode(filters), "filtered": bool(filters)}


def _voices(spec: registry.ServiceSpec) -> list[engines.Voice]:
    try:
        return engines.get_engine(spec.id).voices()
    except Exception:  # noqa: BLE001 - a page must render even if a remote engine is down
        return []


def _voice_names(spec: registry.ServiceSpec) -> dict[str, str]:
    return {voice.id: voice.name for voice in _voices(spec)} if spec.has_voices else {}


# -- submitting --------------------------------------------------------------------------


def _refused_key(spec: registry.ServiceSpec) -> str:
    return f"studio-refused-{spec.slug}"


def _submit(request, spec: registry.ServiceSpec):
    form = spec.form_class(request.POST, request.FILES, voices=_voices(spec) if spec.has_voices else [])
    if not form.is_valid():
        _keep_refused_input(request, spec, form)
        status = 413 if form.has_error("audio", "too_large") else 400
        return _refuse(request, spec, form.first_error(), status=status, errors=form.errors.get_json_data())
    requests = form.generation_requests()
    try:
        clips = services.clips_request(user=request.user, service=spec.id, requests=requests,
                                       upload=form.upload(), remember=form.remembered())
    except services.InsufficientCredits as exc:
        return _refuse(request, spec, str(exc), status=402)
    except services.ClipRequestError as exc:
        return _refuse(request, spec, str(exc), status=503)
    notice = submitted_message(clips, asked=len(requests))
    if _wants_json(request):
        names = _voice_names(spec)
        rows = [row_html(request, history.row(clip, names=names)) for clip in clips]
        payload = status_payload(clips[0], credits=request.user.credits)
        payload.update(message=notice, row_html=rows[0],
                       clips=[{"id": clip.id, "row_html": html} for clip, html in zip(clips, rows, strict=True)])
        return JsonResponse(payload, status=201)
    messages.success(request, notice)
    return redirect(page_url_name(spec))


def _keep_refused_input(request, spec: registry.ServiceSpec, form) -> None:
    """Without JavaScript the page reloads after a refusal: put the refused text back in the
    editor for that one page view (then it is gone, so it never comes back later)."""
    if not _wants_json(request):
        request.session[_refused_key(spec)] = {name: request.POST.get(name, "") for name in FORM_FIELDS}


def queued_message(clip: GeneratedAudioClip) -> str:
    if clip.scheduled_for:
        at = timezone.localtime(clip.scheduled_for).strftime("%H:%M:%S")
        return (f"You have made more than {services.rate_limit_per_minute()} requests this minute, "
                f"so this one is queued and starts at {at}. {clip.cost} credits were taken.")
    return f"Generating. {clip.cost} credits were taken; they come back if it fails."


def submitted_message(clips: list[GeneratedAudioClip], *, asked: int) -> str:
    if asked == 1:
        return queued_message(clips[0])
    taken = sum(clip.cost for clip in clips)
    made = f"Generating {len(clips)} variations. {taken} credits were taken; they come back for any that fails."
    if len(clips) < asked:
        made += f" You did not have enough credits for the other {asked - len(clips)}."
    if any(clip.scheduled_for for clip in clips):
        made += f" Some are queued: at most {services.RATE_LIMIT_PER_MINUTE} start each minute."
    return made


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
        "estimate": estimates.words(estimates.seconds_for(clip)) if not done and not clip.failed else "",
        "reuse": reuse_fields(clip),
        # While it is made, its audio so far and then the rest (MP3, chunked): the page plays it.
        "stream_url": reverse("audio:clip_stream", args=[clip.id]) if clip.spec.streams and clip.status == "pending" else None,
    }
    if credits is not None:
        payload["credits"] = credits
    return payload


@login_required
@require_GET
def clip_status(request, clip_id):
    clip = get_object_or_404(request.user.clips, pk=clip_id)
    # request.user was read from the database for this request (auth middleware): its balance is
    # current, so the poll costs one query beyond the session's.
    response = JsonResponse(status_payload(clip, credits=request.user.credits))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
@storage.unavailable_is_503
def clip_audio(request, clip_id):
    clip = get_object_or_404(request.user.clips.done(), pk=clip_id)
    kind = request.GET.get("format", "wav")
    if kind not in delivery.FORMATS:
        return JsonResponse({"error": "The format must be mp3 or wav."}, status=400)
    return delivery.audio_response(request, clip, kind=kind)  # storage down: the site's plain 503


STREAM_FORMAT = encoding.get("mp3_44100_128")  # what browsers' Media Source Extensions take


@login_required
@require_GET
def clip_stream(request, clip_id):
    """The clip's audio while it is made, as MP3, chunked: pieces as the worker publishes them,
    then the rest from the stored file (audio.streaming). 409 once it is failed; a stream that
    breaks half-way is cut short (the page's status poll says why)."""
    clip = get_object_or_404(request.user.clips.for_service(registry.TEXT_TO_SPEECH.id), pk=clip_id)
    if clip.failed:
        return JsonResponse({"error": clip.error or "This clip failed."}, status=409)
    body = streaming.open_stream(clip.id, STREAM_FORMAT)
    if body is None:
        response = JsonResponse({"error": "Too many streams right now; the clip plays when it is ready."}, status=503)
        response["Retry-After"] = "5"
        return response
    response = StreamingHttpResponse(body, content_type=STREAM_FORMAT.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each chunk on at once
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
@storage.unavailable_is_503
def voice_preview(request, service, voice):
    try:
        preview = previews.preview_for(service, voice)
    except Exception:  # noqa: BLE001 - an unknown service, or a remote engine that cannot list its voices
        preview = None
    if preview is None or not default_storage.exists(preview.key):
        raise Http404("This voice has no preview yet.")
    return delivery.file_response(request, preview.key, filename=f"preview-{slugify(preview.voice.id) or 'voice'}.wav",
                                  cache_control="private, max-age=300")


@login_required
@require_POST
def clip_delete(request, clip_id):
    clip = get_object_or_404(request.user.clips, pk=clip_id)
    if not services.clips_delete(clips=request.user.clips.filter(pk=clip.pk)):
        return _refuse(request, clip.spec, "This clip is still being generated; delete it once it has finished.", status=409)
    if _wants_json(request):
        return JsonResponse({"id": clip_id, "deleted": True})
    messages.success(request, "Clip deleted.")
    return redirect(page_url_name(clip.spec))


@login_required
@require_POST
def clip_cancel(request, clip_id):
    try:
        clip = services.clip_cancel(user=request.user, clip_id=clip_id)
    except GeneratedAudioClip.DoesNotExist:
        raise Http404("No such clip.") from None
    except services.ClipStateError as exc:
        spec = get_object_or_404(request.user.clips, pk=clip_id).spec
        return _refuse(request, spec, str(exc), status=409)
    if _wants_json(request):
        return JsonResponse(status_payload(clip, credits=User.objects.values_list("credits", flat=True).get(pk=request.user.pk)))
    messages.success(request, f"Cancelled. Your {clip.cost} credits were returned.")
    return redirect(page_url_name(clip.spec))


def _credits_now(request) -> int | None:
    return User.objects.filter(pk=request.user.pk).values_list("credits", flat=True).first()


@login_required
@require_POST
def clip_regenerate(request, clip_id):
    original = get_object_or_404(request.user.clips, pk=clip_id)
    spec = original.spec
    try:
        clip = services.clip_regenerate(user=request.user, clip_id=original.pk)
    except services.InsufficientCredits as exc:
        return _refuse(request, spec, str(exc), status=402)
    except services.ClipRequestError as exc:
        return _refuse(request, spec, str(exc), status=503)
    except services.ClipStateError as exc:
        return _refuse(request, spec, str(exc), status=409)
    notice = queued_message(clip)
    if _wants_json(request):
        payload = status_payload(clip, credits=_credits_now(request))
        row = history.row(clip, names=_voice_names(spec))
        payload.update(message=notice, row_html=row_html(request, row))
        return JsonResponse(payload, status=201)
    messages.success(request, notice)
    return redirect(page_url_name(spec))


BULK_DELETE_MAX = 200


@login_required
@require_POST
def clips_bulk_delete(request, service):
    """Delete the chosen finished clips. Without JavaScript the first POST asks for a
    confirmation (a page listing how many), the second (``confirmed=1``) deletes; the page's
    script confirms and offers an undo itself, then posts ``confirmed=1``."""
    spec = registry.get(service)
    ids = request.POST.getlist("clip")[:BULK_DELETE_MAX]
    clips = request.user.clips.for_service(spec.id).filter(pk__in=ids)
    if not ids:
        return _refuse(request, spec, "Choose the clips to delete first.", status=400)
    if request.POST.get("confirmed") != "1":
        names = _voice_names(spec)
        finished = [history.row(clip, names=names) for clip in clips.finished().newest()]
        return render(request, "audio/confirm_delete.html", {"spec": spec, "rows": finished,
                                                             "back": reverse(page_url_name(spec))})
    deleted = services.clips_delete(clips=clips)
    left = clips.count()
    notice = f"Deleted {deleted} clip{'s' if deleted != 1 else ''}."
    if left:
        notice += f" {left} still being generated {'was' if left == 1 else 'were'} kept."
    if _wants_json(request):
        return JsonResponse({"deleted": deleted, "kept": left, "message": notice})
    messages.success(request, notice)
    return redirect(page_url_name(spec))
