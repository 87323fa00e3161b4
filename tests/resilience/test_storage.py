"""S3 (a SeaweedFS server of the test's own) stopped and started again: uploads refused without
a charge, generation retried and finished once it is back, or failed and refunded once, and
nothing that reads storage answers 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from accounts.models import User
from audio import engines, generation, previews
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.factories import UserFactory, make_clip, request_clip, wav_bytes
from tests.support import SeaweedFS, run_tasks, wait_for

pytestmark = [pytest.mark.s3, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def s3_outage(tmp_path, settings, monkeypatch):
    """Default storage on a SeaweedFS server of this test's own, to stop and start again."""
    from elevenlabs_bernie.settings import default_storage_from_env

    server = SeaweedFS(tmp_path / "weed", "bernie-outage")
    (tmp_path / "weed").mkdir()
    server.start()
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}
    yield server
    server.stop()


def _objects(server: SeaweedFS, prefix: str) -> list[str]:
    listing = server.client.list_objects_v2(Bucket=server.bucket, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def _ledger_total(user) -> int:
    return UsageLog.objects.filter(user=user).aggregate(total=Sum("credits"))["total"] or 0


def test_an_upload_while_s3_is_down_is_refused_in_plain_words_and_costs_nothing(s3_outage, client):
    user = UserFactory(credits=1000)
    client.force_login(user)
    s3_outage.stop()

    # Without JavaScript: the form posts, the page comes back with the message.
    form = client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile("me.wav", wav_bytes(1.0))})
    page = client.get("/app/voice-changer/")
    # The studio's script: JSON.
    script = client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile("me.wav", wav_bytes(1.0))},
                         HTTP_ACCEPT="application/json")

    assert form.status_code == 302 and page.status_code == 200
    html = page.content.decode()
    assert "The audio storage is unavailable right now; try again shortly. Nothing was charged." in html
    assert script.status_code == 503
    assert script.json()["error"] == "The audio storage is unavailable right now; try again shortly. Nothing was charged."
    assert "Error" not in script.json()["error"] and "http" not in script.json()["error"]
    assert not GeneratedAudioClip.objects.filter(user=user).exists()
    assert User.objects.get(pk=user.pk).credits == 1000 and _ledger_total(user) == 0


def test_reading_audio_while_s3_is_down_answers_503_not_500(s3_outage, client):
    user = UserFactory(credits=1000)
    client.force_login(user)
    s3_outage.stop()

    clip = make_clip(user)
    preview = client.get("/app/voices/styletts2/andreas/preview/")
    studio = client.get("/app/text-to-speech/")
    audio = client.get(f"/app/clips/{clip.id}/audio/")
    health = client.get("/healthz")

    assert preview.status_code == 503
    assert "The audio storage is unavailable right now" in preview.content.decode()
    assert "Traceback" not in preview.content.decode() and "botocore" not in preview.content.decode()
    assert studio.status_code == 200  # without preview buttons
    # A clip's audio is a link signed without asking S3: the page answers, the browser's fetch
    # from S3 is what fails until it is back.
    assert audio.status_code == 302 and audio["Location"].startswith(s3_outage.endpoint)
    assert health.status_code == 503 and health.json()["checks"]["storage"]["ok"] is False


def test_a_clip_whose_storage_write_fails_is_retried_and_completes_once_s3_is_back(s3_outage, monkeypatch):
    monkeypatch.setattr(generation, "RETRY_BACKOFF_SECONDS", (1, 1, 1))
    user = UserFactory(credits=1000)
    clip = request_clip(user, "styletts2", text="Stored once the bucket is back.", voice="andreas")
    s3_outage.stop()

    run_tasks()  # the first attempt; the retry waits a second
    during = GeneratedAudioClip.objects.get(pk=clip.pk)
    s3_outage.start()
    wait_for(lambda: (run_tasks(), GeneratedAudioClip.objects.get(pk=clip.pk).status != "pending")[1], timeout=30,
             interval=0.3, what="the retried attempt")

    clip.refresh_from_db()
    assert (during.status, during.attempts) == ("pending", 1)
    assert during.error == "Attempt 1 did not succeed; trying again in 1 s."
    assert clip.status == "done" and clip.attempts == 2
    assert _objects(s3_outage, "styletts2-output/") == [clip.s3_key]
    assert list(UsageLog.objects.filter(user=user).values_list("credits", flat=True)) == [-50]


def test_a_clip_is_failed_and_refunded_once_when_s3_stays_down(s3_outage, no_backoff, client):
    user = UserFactory(credits=1000)
    clip = request_clip(user, "styletts2", text="The bucket never comes back.", voice="andreas")
    s3_outage.stop()

    run_tasks()

    clip.refresh_from_db()
    assert clip.status == "failed" and clip.attempts == generation.MAX_ATTEMPTS
    assert clip.error == f"The audio storage was unavailable after {generation.MAX_ATTEMPTS} attempts. Try again later."
    assert UsageLog.objects.filter(refund_of=clip).count() == 1
    assert User.objects.get(pk=user.pk).credits == 1000 == 1000 + _ledger_total(user)
    client.force_login(user)
    assert client.get(f"/app/clips/{clip.id}/").json()["error"] == clip.error


def test_the_preview_listing_is_not_asked_for_on_every_page_while_s3_is_down(s3_outage, caplog):
    s3_outage.stop()

    voices = engines.get_engine("styletts2").voices()[:1]
    first = previews.available("styletts2", voices)
    second = previews.available("styletts2", voices)

    assert first == second == set()
    failures = [r for r in caplog.records if "voice previews" in r.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info is None
