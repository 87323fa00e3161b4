"""Under /v1/ and /v2/ every answer is JSON, whatever made it.

Ninja answers a wrong method with an HTML 405, and errors raised before a view runs (a NUL in
the address, a body too large, a crash in another middleware) come back as Django's pages.
This middleware, first in the list, turns any such non-JSON error under the API's prefixes
into the API's own shape. It also refuses a voice-changer upload larger than the limit before
its body is read.
"""

from __future__ import annotations

from django.conf import settings

from api.errors import NO_RETRY, UNEXPECTED, error_response

PREFIXES = ("/v1/", "/v2/")
UPLOAD_PATHS = ("/v1/voice-changer/", "/v1/speech-to-speech/")
UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and the other fields
WORDS = {400: ("bad_request", "The request is malformed."), 404: ("not_found", "Nothing here."),
         405: ("method_not_allowed", "This address does not take that method."),
         413: ("payload_too_large", "The request body is too large.")}


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIXES):
            return self.get_response(request)
        if request.path.startswith(UPLOAD_PATHS) and \
                _content_length(request) > settings.AUDIO_UPLOAD_MAX_BYTES + UPLOAD_OVERHEAD_BYTES:
            limit = settings.AUDIO_UPLOAD_MAX_BYTES // 1024 // 1024
            return error_response(request, 413, "payload_too_large", f"The file is larger than the {limit} MB limit.")
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code >= 500:
            rewritten = error_response(request, 503, "internal_error", UNEXPECTED, headers=NO_RETRY)
        else:
            code, message = WORDS.get(response.status_code, ("error", "The request was refused."))
            rewritten = error_response(request, response.status_code, code, message)
        if response.has_header("Allow"):
            rewritten["Allow"] = response["Allow"]
        return rewritten
