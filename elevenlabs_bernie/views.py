"""The site's own pages: the landing page and ``/healthz``."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import STARTING_CREDITS
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
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_GET
def source_archive(request):
    """The running version's source (AGPL-3.0 section 13), when SOURCE_URL points nowhere else."""
    response = HttpResponse(source.archive(), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="elevenlabs-bernie-source.tar.gz"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
