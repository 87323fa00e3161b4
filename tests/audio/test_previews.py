"""Voice previews: the worker makes one short clip per voice; the studio offers and serves them."""

import signal
import subprocess
import sys
from io import StringIO

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from audio import engines, previews
from tests.support import PROJECT_ROOT, subprocess_env, wait_for
from tests.factories import UserFactory


@pytest.fixture
def media(settings, tmp_path):
    """An empty media folder of the test's own, so previews made elsewhere do not leak in."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored(service: str) -> set[str]:
    try:
        return set(default_storage.listdir(f"voice-previews/{service}")[1])
    except FileNotFoundError:
        return set()


def expected(service: str) -> set[str]:
    return {preview.key.rsplit("/", 1)[1] for preview in previews.previews_for(service)}


class TestMakeVoicePreviews:
    def test_makes_one_short_wav_per_voice_of_both_voiced_services(self, media):
        out = StringIO()

        call_command("make_voice_previews", stdout=out)

        tts_voices = [voice.id for voice in engines.get_engine("styletts2").voices()]
        vc_voices = [voice.id for voice in engines.get_engine("seedvc").voices()]
        assert stored("styletts2") == expected("styletts2")
        assert sorted(name.rsplit("-", 1)[0] for name in stored("styletts2")) == sorted(tts_voices)
        assert sorted(name.rsplit("-", 1)[0] for name in stored("seedvc")) == sorted(vc_voices)
        for preview in previews.previews_for("styletts2") + previews.previews_for("seedvc"):
            with default_storage.open(preview.key, "rb") as handle:
                data = handle.read()
            assert data[:4] == b"RIFF" and 20_000 < len(data) < 1_000_000
        assert f"{len(tts_voices) + len(vc_voices)} made, 0 already there" in out.getvalue()

    def test_a_second_run_keeps_what_is_there_and_removes_outdated_previews(self, media):
        call_command("make_voice_previews", stdout=StringIO())
        default_storage.save("voice-previews/styletts2/andreas-000000000000.wav", ContentFile(b"old"))
        out = StringIO()

        call_command("make_voice_previews", stdout=out)

        assert "0 made" in out.getvalue() and "1 outdated removed" in out.getvalue()
        assert stored("styletts2") == expected("styletts2")

    def test_the_file_name_changes_when_the_voice_description_changes(self):
        voice = engines.Voice("andreas", "Andreas", "A calm male voice.")
        changed = engines.Voice("andreas", "Andreas", "A calmer male voice.")

        assert previews._key("styletts2", voice, "piper") != previews._key("styletts2", changed, "piper")
        assert previews._key("styletts2", voice, "piper").startswith("voice-previews/styletts2/andreas-")


@pytest.mark.django_db(transaction=True)
def test_run_worker_makes_missing_previews_in_the_background(tmp_path):
    media_root = tmp_path / "media"
    log = open(tmp_path / "worker.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
        cwd=PROJECT_ROOT, env=subprocess_env(MEDIA_ROOT=str(media_root)), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    folder = media_root / "voice-previews" / "styletts2"
    try:
        wait_for(lambda: {p.name for p in folder.glob("*.wav")} >= expected("styletts2"), timeout=60,
                 what="the worker's voice previews")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        log.close()


@pytest.mark.django_db
class TestPreviewView:
    def test_serves_a_made_preview_to_a_logged_in_user(self, client, media):
        call_command("make_voice_previews", "--service", "styletts2", stdout=StringIO())
        client.force_login(UserFactory())

        response = client.get("/app/voices/styletts2/woman/preview/")

        assert response.status_code == 200
        assert response["Content-Type"] == "audio/wav"
        assert response["Content-Disposition"].startswith("inline;")
        assert b"".join(response.streaming_content)[:4] == b"RIFF"

    def test_honours_a_range_request(self, client, media):
        call_command("make_voice_previews", "--service", "seedvc", stdout=StringIO())
        client.force_login(UserFactory())

        response = client.get("/app/voices/seedvc/joe/preview/", headers={"Range": "bytes=0-3"})

        assert response.status_code == 206 and b"".join(response.streaming_content) == b"RIFF"

    @pytest.mark.parametrize("path", [
        "/app/voices/styletts2/nobody/preview/",
        "/app/voices/no-such-service/woman/preview/",
        "/app/voices/make-an-audio/woman/preview/",
        "/app/voices/styletts2/..%2F..%2Fsettings/preview/",
    ])
    def test_is_404_for_an_unknown_voice_or_service(self, client, media, path):
        call_command("make_voice_previews", "--service", "styletts2", stdout=StringIO())
        client.force_login(UserFactory())

        assert client.get(path).status_code == 404

    def test_is_404_until_the_preview_is_made(self, client, media):
        client.force_login(UserFactory())

        assert client.get("/app/voices/styletts2/woman/preview/").status_code == 404

    def test_requires_login(self, client, media):
        call_command("make_voice_previews", "--service", "styletts2", stdout=StringIO())

        response = client.get("/app/voices/styletts2/woman/preview/")

        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
class TestPreviewButtons:
    def test_the_picker_shows_no_preview_button_before_the_previews_exist(self, client, media):
        client.force_login(UserFactory())

        html = client.get("/app/text-to-speech/").content.decode()

        assert "data-voice-preview" not in html

    @pytest.mark.parametrize(("page", "service"), [("text-to-speech", "styletts2"), ("voice-changer", "seedvc")])
    def test_the_picker_links_each_voice_to_its_preview(self, client, media, page, service):
        call_command("make_voice_previews", stdout=StringIO())
        client.force_login(UserFactory())

        html = client.get(f"/app/{page}/").content.decode()

        voices = engines.get_engine(service).voices()
        assert html.count("data-voice-preview") == len(voices)
        for voice in voices:
            assert f'href="/app/voices/{service}/{voice.id}/preview/"' in html
            assert f'aria-label="Preview {voice.name}"' in html

    def test_the_storage_listing_is_cached_for_a_minute(self, client, media):
        from django.core.cache import cache

        client.force_login(UserFactory())
        client.get("/app/text-to-speech/")
        for preview in previews.previews_for("styletts2"):  # saved behind the cache's back
            default_storage.save(preview.key, ContentFile(b"RIFF"))

        cached = client.get("/app/text-to-speech/").content.decode()
        cache.delete("voice-previews:styletts2")  # as a minute passing would
        listed = client.get("/app/text-to-speech/").content.decode()

        assert "data-voice-preview" not in cached
        assert listed.count("data-voice-preview") == len(engines.get_engine("styletts2").voices())


@pytest.mark.s3
@pytest.mark.django_db
def test_on_s3_the_page_lists_previews_and_the_view_redirects_to_a_presigned_url(client, s3_storage):
    call_command("make_voice_previews", "--service", "styletts2", "--force", stdout=StringIO())
    client.force_login(UserFactory())

    html = client.get("/app/text-to-speech/").content.decode()
    response = client.get("/app/voices/styletts2/andreas/preview/")
    fetched = requests.get(response["Location"], timeout=10)

    assert html.count("data-voice-preview") == len(engines.get_engine("styletts2").voices())
    assert response.status_code == 302 and "X-Amz-Signature" in response["Location"]
    assert fetched.status_code == 200 and fetched.content[:4] == b"RIFF"
