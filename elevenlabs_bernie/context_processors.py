import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

from elevenlabs_bernie.version import version

# The addresses every page's frame links to (base.html, the sidebar), by name.
NAV = {
    "home": "home", "posts": "posts:list", "login": "account_login", "signup": "account_signup",
    "logout": "account_logout", "account": "accounts:account", "admin": "admin:index",
    "text_to_speech": "audio:text_to_speech", "voice_changer": "audio:voice_changer",
    "sound_effects": "audio:sound_effects", "source_archive": "source_archive",
}


@functools.lru_cache(maxsize=8)
def _nav(script_prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in NAV.items()}


def site(request) -> dict:
    """What every page's frame shows: its links (reversed once per process, not per page),
    the version, and where its source is (AGPL-3.0)."""
    nav = _nav(get_script_prefix())
    return {"nav": nav, "app_version": version(), "source_url": settings.SOURCE_URL or nav["source_archive"]}
