"""API key authentication: ElevenLabs' ``xi-api-key`` header or OpenAI's ``Authorization:
Bearer``. Cookies and sessions play no part in /v1 (so no CSRF check either); ``request.auth``
is the ApiKey, with its user."""

from __future__ import annotations

from ninja.security import APIKeyHeader, HttpBearer

from accounts import api_keys


class XiApiKey(APIKeyHeader):
    param_name = "xi-api-key"

    def authenticate(self, request, key):
        return api_keys.authenticate(key)


class BearerKey(HttpBearer):
    def authenticate(self, request, token):
        return api_keys.authenticate(token)


METHODS = [XiApiKey(), BearerKey()]
