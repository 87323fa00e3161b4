"""The Jinja2 environment for the few hot templates (the studio page's body and its history
rows), where Django's template language costs too much per row. The rest of the site is Django
templates; a Jinja2 fragment is rendered into a Django page as one safe string.

What the templates get beyond Jinja2's own: ``static()``, ``url()`` (reversals cached per
process), and the filters the studio needs: ``intcomma``, ``given`` (a default for missing
values only), ``iso`` / ``hm`` / ``hms`` (times in the site's time zone).
"""

from __future__ import annotations

import functools

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import Environment, Undefined


@functools.lru_cache(maxsize=256)
def url(name: str, *args) -> str:
    return reverse(name, args=args)


def intcomma(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def given(value, default):
    """``value`` unless it is missing, None or blank ("0" and 0 are values, unlike ``or``)."""
    if value is None or isinstance(value, Undefined) or (isinstance(value, str) and not value.strip()):
        return default
    return value


def iso(moment) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def hm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def hms(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S") if moment else ""


def environment(**options) -> Environment:
    options.setdefault("trim_blocks", True)  # no blank lines where tags stood
    options.setdefault("lstrip_blocks", True)
    env = Environment(**options)
    env.globals.update(static=static, url=url)
    env.filters.update(intcomma=intcomma, given=given, iso=iso, hm=hm, hms=hms)
    return env
