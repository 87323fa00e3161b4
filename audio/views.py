"""Studio views. Placeholder bodies until the studio issue lands."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


def _page(request, service, title):
    clips = request.user.clips.for_service(service).newest()[:50]
    return render(request, "audio/studio_placeholder.html", {"title": title, "clips": clips})


@login_required
def text_to_speech(request):
    return _page(request, "styletts2", "Text to Speech")


@login_required
def voice_changer(request):
    return _page(request, "seedvc", "Voice Changer")


@login_required
def sound_effects(request):
    return _page(request, "make-an-audio", "Sound Effects")


@login_required
def clip_status(request, clip_id):
    raise Http404


@login_required
def clip_audio(request, clip_id):
    raise Http404
