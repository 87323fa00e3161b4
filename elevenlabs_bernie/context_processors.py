from django.conf import settings
from django.urls import reverse

from elevenlabs_bernie.version import version


def site(request) -> dict:
    """What every page's footer shows: the version, and where its source is (AGPL-3.0)."""
    return {"app_version": version(), "source_url": settings.SOURCE_URL or reverse("source_archive")}
