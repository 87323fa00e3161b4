"""The site's own pages: the landing page, ``/healthz`` and the 500 handler."""

import sys

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import STARTING_CREDITS
from elevenlabs_bernie.middleware import unavailable_response
from ops import health, source
from posts.models import Post


def home(request):
    if request.user.is_authenticated:
        return redirect("audio:text_to_speech")
    latest = Post.objects.newest().select_related("created_by").first()
    return render(request, "home.html", {"latest_post": latest, "starting_credits": STARTING_CREDITS,
                                         "text_max": settings.TTS_TEXT_MAX_CHARS})


@never_cache
@require_GET
def healthz(request):
    report = health.health_report()
    return JsonResponse(report, status=503 if report["status"] == "unavailable" else 200)


@require_GET
def source_archive(request):
    """The running version's source (AGPL-3.0 section 13), when SOURCE_URL points nowhere else."""
    response = HttpResponse(source.archive(), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="elevenlabs-bernie-source.tar.gz"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


def server_error(request):
    """Django's 500 handler, except for an outage raised outside a view (a session saved by a
    middleware while the database is down): that is the same 503 the views give."""
    exc = sys.exc_info()[1]
    if exc is not None:
        response = unavailable_response(request, exc)
        if response is not None:
            return response
    return defaults.server_error(request)


@require_GET
def favicon(request):
    """Browsers that ask /favicon.ico (pages link the SVG icon) get the same icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
