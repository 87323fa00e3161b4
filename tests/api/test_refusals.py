"""Requests the API refuses, as the official SDK sees them: the status, the ElevenLabs error
shape, and nothing charged, queued or stored."""

import pytest
from elevenlabs.core.api_error import ApiError

from accounts import api_keys
from accounts.models import ApiKey, User
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.api.conftest import NO_RETRY
from tests.conftest import stored_files
from tests.factories import UserFactory, make_clip

pytestmark = pytest.mark.django_db(transaction=True)


def refused(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        result = call()
        if not isinstance(result, (dict, list)) and hasattr(result, "__iter__"):
            b"".join(result)  # audio calls send nothing until read
    return caught.value


FOLDERS = ("seed-vc-audio-uploads", "seedvc-outputs", "styletts2-output", "make-an-audio-outputs")


@pytest.fixture(autouse=True)
def files_before():
    return {folder: set(stored_files(folder)) for folder in FOLDERS}


@pytest.fixture
def nothing_written(files_before):
    def check(user, *, credits: int = 10000):
        assert User.objects.get(pk=user.pk).credits == credits
        assert not UsageLog.objects.filter(user=user).exists()
        assert not GeneratedAudioClip.objects.filter(user=user).exists()
        assert {folder: set(stored_files(folder)) for folder in FOLDERS} == files_before

    return check


def test_a_revoked_key_is_an_invalid_key(key_for, eleven, nothing_written):
    user, key = key_for()
    api_keys.api_key_revoke(user=user, key_id=ApiKey.objects.get(user=user).pk)

    error = refused(lambda: eleven(key).text_to_speech.convert("andreas", text="Hello."))

    assert error.status_code == 401 and error.body["detail"]["status"] == "invalid_api_key"
    assert refused(lambda: eleven(key).voices.get_all(request_options=NO_RETRY)).status_code == 401
    nothing_written(user)


def test_a_key_over_its_credit_limit_is_over_quota_and_nothing_is_charged(key_for, eleven, nothing_written):
    user, key = key_for(credit_limit=49)  # one generation costs 50

    error = refused(lambda: eleven(key).text_to_speech.convert("andreas", text="Hello."))

    assert error.status_code == 401
    assert error.body["detail"]["status"] == error.body["detail"]["code"] == "quota_exceeded"
    assert "credit limit" in error.body["detail"]["message"]
    assert ApiKey.objects.get(user=user).credits_spent == 0
    nothing_written(user)


def test_a_user_short_of_credits_is_over_quota(key_for, eleven, nothing_written):
    user, key = key_for(credits=10)

    error = refused(lambda: eleven(key).text_to_sound_effects.convert(text="rain"))

    assert error.status_code == 401 and error.body["detail"]["status"] == "quota_exceeded"
    nothing_written(user, credits=10)


def test_another_users_history_item_is_not_found(key_for, eleven):
    _user, key = key_for()
    theirs = make_clip(UserFactory())
    client = eleven(key)

    for call in (lambda: client.history.get(theirs.id, request_options=NO_RETRY),
                 lambda: client.history.get_audio(theirs.id),
                 lambda: client.history.delete(theirs.id, request_options=NO_RETRY),
                 lambda: client.history.download(history_item_ids=[theirs.id]),
                 lambda: client.history.get("no-such-item", request_options=NO_RETRY)):
        error = refused(call)
        assert error.status_code == 404 and error.body["detail"]["status"] == "history_item_not_found"
    assert GeneratedAudioClip.objects.filter(pk=theirs.pk).exists()


def test_5001_characters_exceed_the_character_limit(key_for, eleven, nothing_written):
    user, key = key_for()

    error = refused(lambda: eleven(key).text_to_speech.convert("andreas", text="a" * 5001))

    assert error.status_code == 400 and error.body["detail"]["status"] == "max_character_limit_exceeded"
    assert error.body["detail"]["message"] == "The text is 5,001 characters long; the limit is 5,000."
    nothing_written(user)


def test_an_unknown_voice_is_not_found(key_for, eleven, nothing_written):
    user, key = key_for()

    error = refused(lambda: eleven(key).text_to_speech.convert("JBFqnCBsd6RMkjVDRZzb", text="Hello."))
    also = refused(lambda: eleven(key).voices.get("JBFqnCBsd6RMkjVDRZzb", request_options=NO_RETRY))

    assert error.status_code == also.status_code == 404
    assert error.body["detail"]["status"] == also.body["detail"]["status"] == "voice_not_found"
    nothing_written(user)


def test_html_uploaded_as_audio_is_unprocessable_and_nothing_is_charged(key_for, eleven, nothing_written):
    user, key = key_for()
    page = b"<!doctype html><html><body>" + b"not audio " * 200 + b"</body></html>"

    error = refused(lambda: eleven(key).speech_to_speech.convert("woman", audio=("song.wav", page, "audio/wav")))

    assert error.status_code == 422
    assert error.body["detail"][0]["loc"] == ["body", "audio"] and "HTML" in error.body["detail"][0]["msg"]
    nothing_written(user)


def test_a_setting_out_of_range_names_the_field_in_the_apis_words(key_for, eleven, nothing_written):
    user, key = key_for()

    error = refused(lambda: eleven(key).text_to_speech.convert("andreas", text="Hi.", voice_settings={"style": 1.5}))

    assert error.status_code == 422 and error.body["detail"][0]["loc"] == ["body", "voice_settings", "style"]
    nothing_written(user)


def test_an_unknown_output_format_is_unprocessable(key_for, eleven, nothing_written):
    user, key = key_for()

    error = refused(lambda: eleven(key).text_to_speech.convert("andreas", text="Hi.", output_format="aac_44100"))

    assert error.status_code == 422 and error.body["detail"][0]["loc"] == ["query", "output_format"]
    nothing_written(user)
