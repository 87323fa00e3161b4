"""The session store: signed-in browser sessions live in ``accounts.Session``.

``session_token`` is the session key (the cookie's value), ``expires`` is honoured on
every read, and logging out deletes the row, so ``/app/account/`` can list a user's
browsers and end any of them: deleting a row signs that browser out on its next request.

The seed's ``Session.user`` is required, so a visitor who has not signed in yet (whose
session holds only allauth's short-lived state or flash messages) is kept in the cache
instead; the moment the session carries a signed-in user it moves into the table.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.client_ip import client_ip

LAST_SEEN_RESOLUTION = timedelta(minutes=1)
ANONYMOUS_PREFIX = "anon-session:"


def _session_model():
    from accounts.models import Session

    return Session


class SessionStore(SessionBase):
    def __init__(self, session_key: str | None = None, *, user_agent: str = "", ip_address: str | None = None):
        self.user_agent = user_agent[:512]
        self.ip_address = ip_address
        super().__init__(session_key)

    # --- reading ---------------------------------------------------------------

    def load(self):
        now = timezone.now()
        row = (
            _session_model()
            .objects.filter(session_token=self.session_key, expires__gt=now)
            .only("id", "session_data", "last_seen_at")
            .first()
            if self.session_key
            else None
        )
        if row is not None:
            if row.last_seen_at < now - LAST_SEEN_RESOLUTION:
                fields = {"last_seen_at": now}
                if self.user_agent:
                    fields.update(user_agent=self.user_agent, ip_address=self.ip_address)
                _session_model().objects.filter(pk=row.pk).update(**fields)
            return self.decode(row.session_data)
        if self.session_key:
            data = cache.get(ANONYMOUS_PREFIX + self.session_key)
            if data is not None:
                return data
        self._session_key = None
        return {}

    def exists(self, session_key):
        return (
            _session_model().objects.filter(session_token=session_key).exists()
            or cache.get(ANONYMOUS_PREFIX + session_key) is not None
        )

    # --- writing ---------------------------------------------------------------

    def create(self):
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue  # key collision: try another
            self.modified = True
            return

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        if data.get(SESSION_KEY):
            self._save_signed_in(data, must_create=must_create)
        else:
            self._save_anonymous(data, must_create=must_create)

    def _save_signed_in(self, data: dict, *, must_create: bool) -> None:
        Session = _session_model()
        key = self.session_key
        fields = {"session_data": self.encode(data), "expires": self.get_expiry_date()}
        if not must_create:
            if Session.objects.filter(session_token=key).update(**fields):
                return
            if cache.get(ANONYMOUS_PREFIX + key) is None:
                # The row is gone: the session was ended from another browser or expired.
                raise UpdateError
        try:
            with transaction.atomic():
                Session.objects.create(
                    session_token=key,
                    user_id=data[SESSION_KEY],
                    user_agent=self.user_agent,
                    ip_address=self.ip_address,
                    **fields,
                )
        except IntegrityError:
            raise CreateError from None
        cache.delete(ANONYMOUS_PREFIX + key)

    def _save_anonymous(self, data: dict, *, must_create: bool) -> None:
        key = ANONYMOUS_PREFIX + self.session_key
        if must_create:
            if not cache.add(key, data, self.get_expiry_age()):
                raise CreateError
        else:
            cache.set(key, data, self.get_expiry_age())
        # A session that no longer carries a user (signed out in place) leaves the table.
        _session_model().objects.filter(session_token=self.session_key).delete()

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        _session_model().objects.filter(session_token=session_key).delete()
        cache.delete(ANONYMOUS_PREFIX + session_key)

    @classmethod
    def clear_expired(cls):
        _session_model().objects.filter(expires__lte=timezone.now()).delete()


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's middleware, passing the browser's description to the store."""

    def process_request(self, request):
        session_key = request.COOKIES.get(self.get_session_cookie_name())
        request.session = SessionStore(
            session_key,
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_ip(request),
        )

    @staticmethod
    def get_session_cookie_name() -> str:
        from django.conf import settings

        return settings.SESSION_COOKIE_NAME
