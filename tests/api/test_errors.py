"""Every answer under /v1/ and /v2/ is JSON in the client's shape, whatever went wrong, and a
generate call that cannot be answered leaves nothing charged."""

import json

import pytest

from accounts.models import ApiKey, User
from api import catalog
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.factories import UserFactory, request_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(key_for):
    return key_for()[1]


def detail(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response.json()["detail"]


class TestElevenLabsShape:
    def test_unknown_addresses_are_json_404s(self, client, key):
        for path in ("/v1/nothing", "/v2/nothing/at/all", "/v1/text-to-speech", "/v1/voices/"):
            response = client.get(path, HTTP_XI_API_KEY=key)
            assert response.status_code == 404 and detail(response)["status"] == "not_found"

    def test_a_wrong_method_is_a_json_405(self, client, key):
        response = client.put("/v1/voices", HTTP_XI_API_KEY=key)

        assert response.status_code == 405 and detail(response)["status"] == "method_not_allowed"
        assert response["Allow"] == "GET"

    def test_malformed_json_is_a_422_naming_the_body(self, client, key):
        response = client.post("/v1/text-to-speech/andreas", b"{not json", content_type="application/json",
                               HTTP_XI_API_KEY=key)

        assert response.status_code == 422
        assert detail(response) == [{"loc": ["body"], "msg": "The body is not valid JSON.", "type": "json_invalid"}]

    def test_a_missing_field_is_a_422_naming_it(self, client, key):
        response = client.post("/v1/text-to-speech/andreas", {"model_id": "x"}, content_type="application/json",
                               HTTP_XI_API_KEY=key)

        assert response.status_code == 422 and detail(response)[0]["loc"] == ["body", "text"]

    def test_no_key_or_a_session_cookie_alone_is_an_invalid_key(self, client, key):
        client.force_login(UserFactory())

        response = client.get("/v1/voices")

        assert response.status_code == 401 and detail(response)["status"] == "invalid_api_key"
        assert client.get("/v1/voices", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    def test_a_null_character_in_the_address_is_a_json_400(self, client, key):
        response = client.get("/v1/history?search=a%00b", HTTP_XI_API_KEY=key)

        assert response.status_code == 400 and detail(response)["status"] == "bad_request"

    def test_an_upload_over_the_limit_is_refused_before_it_is_read(self, client, key, settings):
        response = client.generic("POST", "/v1/voice-changer/woman", b"--x--", content_type="multipart/form-data; boundary=x",
                                  HTTP_XI_API_KEY=key, CONTENT_LENGTH=str(settings.AUDIO_UPLOAD_MAX_BYTES + 10**6))

        assert response.status_code == 413 and detail(response)["status"] == "payload_too_large"

    def test_an_unexpected_failure_is_a_json_503_without_its_details(self, client, key, monkeypatch):
        def broken():
            raise RuntimeError("secret internals /srv/app/path.py")

        monkeypatch.setattr(catalog, "_voices", broken)

        response = client.get("/v1/voices", HTTP_XI_API_KEY=key)

        assert response.status_code == 503 and detail(response)["status"] == "internal_error"
        assert b"secret" not in response.content and b"RuntimeError" not in response.content
        assert response["x-should-retry"] == "false"

    def test_the_openapi_document_is_public_and_3_1(self, client):
        schema = client.get("/v1/openapi.json").json()

        assert schema["openapi"].startswith("3.1")
        assert {"/v1/text-to-speech/{voice_id}", "/v1/history", "/v2/voices", "/v1/audio/speech"} <= set(schema["paths"])
        audio = schema["paths"]["/v1/text-to-speech/{voice_id}"]["post"]["responses"]["200"]["content"]
        assert "audio/mpeg" in audio and audio["audio/mpeg"]["schema"]["format"] == "binary"

    def test_the_openapi_info_offers_the_source_and_names_the_license_and_version(self, client):
        info = client.get("/v1/openapi.json").json()["info"]

        assert info["license"]["identifier"] == "AGPL-3.0-or-later"
        assert info["x-source-url"] in info["description"]
        assert client.get(info["x-source-url"]).status_code == 200  # the running code's archive by default
        assert info["x-server-version"] == client.get("/healthz").json()["version"]

    def test_each_voice_says_where_its_model_and_data_come_from(self, client, key):
        voices = {v["voice_id"]: v for v in client.get("/v1/voices", HTTP_XI_API_KEY=key).json()["voices"]}

        for voice_id in ("joe", "andreas", "woman"):
            provenance = voices[voice_id]["labels"]["provenance"]
            assert "CC0" in provenance and "lessac" in provenance and "commercial" in provenance
        assert "lessac" not in voices["joe"]["description"]  # the description stays plain words


class TestOpenAIShape:
    def test_errors_on_the_speech_endpoint_are_openai_errors(self, client, key):
        no_key = client.post("/v1/audio/speech", {}, content_type="application/json")
        bad_json = client.post("/v1/audio/speech", b"{", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
        too_fast = client.post("/v1/audio/speech", {"model": "tts-1", "voice": "alloy", "input": "Hi.", "speed": 4},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")

        assert no_key.status_code == 401 and no_key.json()["error"]["code"] == "invalid_api_key"
        assert bad_json.status_code == 400 and bad_json.json()["error"]["type"] == "invalid_request_error"
        assert too_fast.status_code == 400 and too_fast.json()["error"]["param"] == "speed"
        assert set(too_fast.json()["error"]) == {"message", "type", "param", "code"}

    def test_running_out_of_credits_is_insufficient_quota_not_to_be_retried(self, client, key_for):
        user, key = key_for(credits=10)

        response = client.post("/v1/audio/speech", {"model": "tts-1", "voice": "alloy", "input": "Hi."},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")

        assert response.status_code == 429 and response.json()["error"]["code"] == "insufficient_quota"
        assert response["x-should-retry"] == "false"
        assert not UsageLog.objects.filter(user=user).exists()


class TestGenerationThatCannotBeAnswered:
    def test_over_the_per_minute_rate_is_429_with_retry_after_and_nothing_charged(self, client, key_for):
        user, key = key_for()
        for _ in range(3):
            request_clip(user, "make-an-audio", prompt="rain")

        response = client.post("/v1/sound-generation", {"text": "rain"}, content_type="application/json",
                               HTTP_XI_API_KEY=key)

        assert response.status_code == 429 and detail(response)["status"] == "too_many_concurrent_requests"
        assert 1 <= int(response["Retry-After"]) <= 60
        assert GeneratedAudioClip.objects.filter(user=user).count() == 3
        assert UsageLog.objects.filter(user=user).count() == 3
        assert ApiKey.objects.get(user=user).credits_spent == 0

    def test_past_the_timeout_the_clip_is_failed_and_refunded_once_and_the_answer_is_504(self, client, key_for, settings):
        settings.API_GENERATION_TIMEOUT_SECONDS = 1  # and no worker runs
        user, key = key_for()

        response = client.post("/v1/text-to-speech/andreas", {"text": "Nobody makes this."},
                               content_type="application/json", HTTP_XI_API_KEY=key)

        assert response.status_code == 504 and detail(response)["status"] == "generation_timeout"
        assert response["x-should-retry"] == "false"
        clip = GeneratedAudioClip.objects.get(user=user)
        assert clip.status == "failed" and "credits were returned" in clip.error
        assert sorted(UsageLog.objects.filter(user=user).values_list("credits", flat=True)) == [-50, 50]
        assert User.objects.get(pk=user.pk).credits == 10000
        assert ApiKey.objects.get(user=user).credits_spent == 0


def test_json_errors_carry_no_html(client, key):
    for response in (client.get("/v1/x", HTTP_XI_API_KEY=key), client.delete("/v1/models", HTTP_XI_API_KEY=key)):
        assert b"<html" not in response.content.lower() and json.loads(response.content)


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_inside_an_api_view_is_a_plain_503_to_retry(client, key_for, monkeypatch):
    """Not the catch-all's "internal_error, do not retry": the client should come back."""
    from django.db import OperationalError, connection

    from api import user as user_endpoints

    def lost(owner):
        connection.close()  # what a restarted server leaves behind: no usable connection
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(user_endpoints, "subscription_json", lost)
    _user, key = key_for()

    response = client.get("/v1/user", HTTP_XI_API_KEY=key)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "x-should-retry" not in response
    assert response.json()["detail"]["code"] == "service_unavailable"
    assert "connection" not in response.json()["detail"]["message"]
