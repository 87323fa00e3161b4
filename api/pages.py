"""The API's page for people (/api/: how to call it, with curl and the official SDKs) and the
JSON 404 for unknown addresses under /v1/ and /v2/."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from api.errors import error_response
from audio import encoding


@csrf_exempt
def not_found(request):
    return error_response(request, 404, "not_found", "No such API address; see /v1/openapi.json.")


def docs(request):
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "api/docs.html", {
        "base": base, "formats": list(encoding.FORMATS), "openai_formats": list(encoding.OPENAI),
        "timeout": settings.API_GENERATION_TIMEOUT_SECONDS, "text_max": settings.TTS_TEXT_MAX_CHARS,
    })
