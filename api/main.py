"""The API: ElevenLabs' endpoints at /v1 and /v2, OpenAI's /v1/audio/speech, and the OpenAPI
3.1 document at /v1/openapi.json (docs/api.md describes it for people)."""

from __future__ import annotations

from django.conf import settings
from ninja import NinjaAPI

from api import auth, catalog, errors, history, openai, speech, user
from elevenlabs_bernie.version import version

DESCRIPTION = (
    "ElevenLabs- and OpenAI-compatible API of ElevenLabs-Bernie. Authenticate with an API key from "
    "My Account in the `xi-api-key` header or as `Authorization: Bearer`. Generate calls answer with the "
    "audio once the clip is made; each call is charged once, and refunded if it fails or times out."
)

SOURCE_URL = settings.SOURCE_URL or "/source.tar.gz"  # AGPL-3.0 section 13: the running code's source
INFO = {
    "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    "x-source-url": SOURCE_URL,
    "x-server-version": version(),
}

api = NinjaAPI(title="ElevenLabs-Bernie API", version="1", auth=auth.METHODS, openapi_url="/v1/openapi.json",
               description=f"{DESCRIPTION} Free software under the AGPL-3.0-or-later; source: {SOURCE_URL}",
               docs_url=None, urls_namespace="api", openapi_extra={"info": INFO})
errors.install(api)
for module in (speech, catalog, history, user, openai):
    api.add_router("", module.router)
