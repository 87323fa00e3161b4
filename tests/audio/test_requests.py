"""Requesting a clip: credits, the ledger, the task, the per-minute rate."""

import pytest
from django.db import transaction
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from audio import generation, services
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.factories import UserFactory, request_clip


def _balance(user) -> int:
    return User.objects.get(pk=user.pk).credits


@pytest.mark.django_db
class TestClipRequest:
    def test_charges_writes_the_ledger_and_enqueues_on_commit(self, django_capture_on_commit_callbacks):
        user = UserFactory(credits=120)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            clip = request_clip(user, "styletts2", text="Hello world.", voice="andreas")

        assert len(callbacks) == 1
        assert _balance(user) == 70
        assert UsageLog.objects.get(clip=clip).credits == -50
        assert DBTaskResult.objects.filter(args_kwargs__args=[clip.id]).count() == 1

    def test_refuses_when_credits_are_short(self, client, django_capture_on_commit_callbacks):
        user = UserFactory(credits=20)
        client.force_login(user)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post("/app/text-to-speech/", {"text": "Hello world.", "voice": "andreas"}, follow=True)

        assert "Not enough credits: this costs 50 and you have 20." in response.content.decode()
        assert not callbacks
        assert not GeneratedAudioClip.objects.exists()
        assert not DBTaskResult.objects.exists()
        assert not UsageLog.objects.exists()
        assert _balance(user) == 20

    def test_page_explains_short_credits_before_submitting(self, client):
        client.force_login(UserFactory(credits=20))

        html = client.get("/app/text-to-speech/").content.decode()

        assert "You need 50 credits for a clip and have 20." in html
        assert 'data-generate disabled' in html

    def test_a_rolled_back_transaction_enqueues_nothing(self, django_capture_on_commit_callbacks):
        user = UserFactory(credits=120)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                request_clip(user, "styletts2", text="Hello world.", voice="andreas")
                raise RuntimeError("the caller's transaction fails")

        assert callbacks == []
        assert not DBTaskResult.objects.exists()
        assert not GeneratedAudioClip.objects.exists()
        assert _balance(user) == 120

    def test_validates_before_charging(self, client):
        user = UserFactory(credits=120)
        client.force_login(user)

        response = client.post("/app/text-to-speech/", {"text": "x" * 5001, "voice": "andreas"}, follow=True)
        unknown = client.post("/app/text-to-speech/", {"text": "Hi there", "voice": "nobody"}, follow=True)

        assert "The text is 5,001 characters long; the limit is 5,000." in response.content.decode()
        assert "Unknown voice" in unknown.content.decode()
        assert _balance(user) == 120 and not GeneratedAudioClip.objects.exists()

    def test_defers_the_fourth_request_in_a_minute_and_says_when(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)

        for _ in range(3):
            client.post("/app/sound-effects/", {"prompt": "rain"})
        response = client.post("/app/sound-effects/", {"prompt": "rain"}, follow=True)

        html = response.content.decode()
        assert "so this one is queued and starts at" in html
        fourth = GeneratedAudioClip.objects.newest().first()
        assert fourth.scheduled_for is not None
        assert "Queued — starts at" in html
        assert _balance(user) == 800

    def test_json_submit_returns_the_new_row(self, client):
        client.force_login(UserFactory(credits=100))

        response = client.post("/app/sound-effects/", {"prompt": "thunder", "duration": "2"},
                               headers={"accept": "application/json"})

        payload = response.json()
        assert response.status_code == 201
        assert payload["status"] == "pending" and payload["credits"] == 50
        assert f'id="clip-{payload["id"]}"' in payload["row_html"]


@pytest.mark.django_db
def test_ledger_sums_to_the_balance_after_a_failure_and_refund():
    user = UserFactory(credits=10000)
    clip = request_clip(user, "make-an-audio", prompt="wind")

    generation.clip_fail(clip_id=clip.id, error="boom")
    generation.clip_fail(clip_id=clip.id, error="boom again")
    services.clip_refund_by_operator(clip_id=clip.id)

    total = UsageLog.objects.filter(user=user).aggregate(total=Sum("credits"))["total"]
    assert _balance(user) == 10000 == 10000 + total
    assert UsageLog.objects.filter(refund_of=clip).count() == 1


@pytest.mark.django_db
class TestSoundEffectDuration:
    @pytest.mark.parametrize("duration", ["1_0", "\uff12", "2e0", "0x2", " 2.5.1", "nan", "inf"])
    def test_anything_but_a_plain_decimal_number_is_refused_and_nothing_is_charged(self, client, duration):
        user = UserFactory(credits=100)
        client.force_login(user)

        response = client.post("/app/sound-effects/", {"prompt": "thunder", "duration": duration},
                               headers={"accept": "application/json"})

        assert response.status_code == 400
        assert response.json()["errors"]["duration"][0]["message"] == "The duration must be a number of seconds, such as 4 or 2.5."
        assert _balance(user) == 100 and not GeneratedAudioClip.objects.exists()

    def test_a_plain_decimal_number_is_accepted(self, client):
        user = UserFactory(credits=100)
        client.force_login(user)

        response = client.post("/app/sound-effects/", {"prompt": "thunder", "duration": "2.5"},
                               headers={"accept": "application/json"})

        assert response.status_code == 201
        assert GeneratedAudioClip.objects.get().params["duration"] == 2.5
