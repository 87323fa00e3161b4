"""API keys: made and shown once, found by their HMAC, revoked.

A key is ``sk_`` and 48 random hex digits. The database keeps an HMAC-SHA256 of it, keyed with
a secret derived from SECRET_KEY (so a copy of the database alone does not let anyone in, and
the lookup is one indexed equality), and its first 11 characters to tell keys apart. Rotating
SECRET_KEY keeps keys working while the old key is in SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import ApiKey, User

KEY_PREFIX = "sk_"
SHOWN_CHARS = 11  # "sk_" and 8 hex digits
NAME_MAX_CHARS = 100
LAST_USED_EVERY = timedelta(minutes=1)
_SALT = "accounts.ApiKey"


class ApiKeyError(Exception):
    """The key cannot be made or changed; the message is safe to show."""


def digest(raw: str, secret: str | None = None) -> str:
    return salted_hmac(_SALT, raw, secret=secret, algorithm="sha256").hexdigest()


def api_key_create(*, user: User, name: str, credit_limit: int | None = None) -> tuple[ApiKey, str]:
    """A new key for ``user``: the row, and the key itself (shown once, never stored)."""
    name = " ".join((name or "").split())[:NAME_MAX_CHARS] or "API key"
    if credit_limit is not None and credit_limit < 0:
        raise ApiKeyError("The credit limit cannot be negative.")
    raw = KEY_PREFIX + secrets.token_hex(24)
    key = ApiKey.objects.create(user=user, name=name, prefix=raw[:SHOWN_CHARS], hashed=digest(raw),
                                credit_limit=credit_limit)
    return key, raw


def api_key_revoke(*, user: User, key_id: str) -> bool:
    """Revoke one of the user's keys; False when it is not theirs or was already revoked."""
    return bool(user.api_keys.active().filter(pk=key_id).update(revoked_at=timezone.now()))


def authenticate(raw: str | None) -> ApiKey | None:
    """The active key ``raw`` is, with its user, or None. Marks it used (at most once a minute)."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    secrets_to_try = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    candidates = [digest(raw, secret) for secret in secrets_to_try]
    key = ApiKey.objects.active().select_related("user").filter(hashed__in=candidates).first()
    if key is None or not key.user.is_active or not any(hmac.compare_digest(key.hashed, c) for c in candidates):
        return None
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        key.last_used_at = now
    return key
