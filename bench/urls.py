"""The site's URLs plus /bench/bare/: a login-required view that makes one query, behind the
same middleware as every page, the yardstick bench/load.py compares the real pages with."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from accounts.models import User


@login_required
@require_GET
def bare(request):
    credits = User.objects.filter(pk=request.user.pk).values_list("credits", flat=True).first()
    return HttpResponse(f"{credits}\n", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("elevenlabs_bernie.urls")),
]
