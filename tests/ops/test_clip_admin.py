import logging

import pytest

from credits import services as credits
from django.urls import reverse

from accounts.models import User
from audio import generation, services
from audio.models import GeneratedAudioClip
from credits.models import LedgerReason, UsageLog
from tests.factories import UserFactory, make_clip, request_clip

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:audio_generatedaudioclip_changelist"


def _failed_clip(user, *, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # charged, but not run
        clip = request_clip(user, "make-an-audio", prompt="light rain", duration=1.0)
    generation.clip_fail(clip_id=clip.id, error="The engine is unavailable after 4 attempts: connection refused")
    return clip


def _ledger_sum(user) -> int:
    return sum(UsageLog.objects.filter(user=user).values_list("credits", flat=True))


class TestRetryAction:
    def test_turns_a_failed_clip_into_a_done_one_charged_once_in_total(
        self, admin_client, immediate_tasks, django_capture_on_commit_callbacks
    ):
        user = UserFactory()
        clip = _failed_clip(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
        assert User.objects.get(pk=user.pk).credits == 10000  # failed and refunded

        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse(CHANGELIST), {"action": "retry_clips", "_selected_action": [clip.id]}, follow=True
            )

        clip.refresh_from_db()
        assert clip.status == "done" and clip.s3_key and clip.error == ""
        assert User.objects.get(pk=user.pk).credits == 10000 - clip.cost
        assert _ledger_sum(user) == -clip.cost
        assert "Queued 1 clip(s) again." in [str(m) for m in response.context["messages"]]

    def test_refuses_clips_that_are_not_failed(self, admin_client, django_capture_on_commit_callbacks):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=False):
            clip = request_clip(user, "make-an-audio", prompt="door knock", duration=1.0)

        response = admin_client.post(
            reverse(CHANGELIST), {"action": "retry_clips", "_selected_action": [clip.id]}, follow=True
        )

        assert any("Only failed clips can be retried" in str(m) for m in response.context["messages"])
        assert User.objects.get(pk=user.pk).credits == 10000 - clip.cost


class TestRefundAction:
    def test_refunds_at_most_once_when_applied_twice(self, admin_client, operator, django_capture_on_commit_callbacks):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=False):
            clip = request_clip(user, "make-an-audio", prompt="applause", duration=1.0)
        data = {"action": "refund_clips", "_selected_action": [clip.id]}

        first = admin_client.post(reverse(CHANGELIST), data, follow=True)
        second = admin_client.post(reverse(CHANGELIST), data, follow=True)

        refunds = UsageLog.objects.filter(clip=clip, reason=LedgerReason.REFUND)
        assert refunds.count() == 1
        assert refunds.get().actor == operator
        assert User.objects.get(pk=user.pk).credits == 10000
        assert _ledger_sum(user) == 0
        assert "Refunded 1 clip(s)." in [str(m) for m in first.context["messages"]]
        assert any("already refunded" in str(m) for m in second.context["messages"])


class TestDeletingClipsInTheAdmin:
    def test_a_pending_clip_cannot_be_deleted(self, admin_client, django_capture_on_commit_callbacks):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=False):
            clip = request_clip(user, "make-an-audio", prompt="applause", duration=1.0)

        page = admin_client.post(reverse("admin:audio_generatedaudioclip_delete", args=[clip.id]), {"post": "yes"})
        bulk = admin_client.post(
            reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [clip.id], "post": "yes"}
        )

        assert page.status_code == bulk.status_code == 403
        assert GeneratedAudioClip.objects.filter(pk=clip.id).exists()
        assert User.objects.get(pk=user.pk).credits == 9950  # still charged, still refundable

    def test_a_failed_clip_is_deleted_and_the_ledger_stays(self, admin_client, django_capture_on_commit_callbacks):
        user = UserFactory()
        clip = _failed_clip(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

        admin_client.post(reverse("admin:audio_generatedaudioclip_delete", args=[clip.id]), {"post": "yes"})

        assert not GeneratedAudioClip.objects.filter(pk=clip.id).exists()
        assert _ledger_sum(user) == 0
        assert UsageLog.objects.filter(user=user).count() == 2


class TestClipChangelist:
    def test_lists_searches_and_plays_clips(self, admin_client, immediate_tasks, django_capture_on_commit_callbacks):
        user = UserFactory(email="findme@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            done = request_clip(user, "make-an-audio", prompt="thunder", duration=1.0)
        failed = _failed_clip(UserFactory(), django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

        by_email = admin_client.get(reverse(CHANGELIST), {"q": "findme@"})
        by_id = admin_client.get(reverse(CHANGELIST), {"q": failed.id})
        only_failed = admin_client.get(reverse(CHANGELIST), {"failed__exact": "1"})
        audio = admin_client.get(reverse("admin:audio_generatedaudioclip_audio", args=[done.id]))

        assert [c.id for c in by_email.context["cl"].result_list] == [done.id]
        assert [c.id for c in by_id.context["cl"].result_list] == [failed.id]
        assert [c.id for c in only_failed.context["cl"].result_list] == [failed.id]
        assert "connection refused" in only_failed.content.decode()
        assert reverse("admin:audio_generatedaudioclip_audio", args=[done.id]) in by_email.content.decode()
        assert audio.status_code == 200 and b"".join(audio.streaming_content)[:4] == b"RIFF"

    def test_audio_is_refused_to_signed_in_non_staff(self, client, immediate_tasks, django_capture_on_commit_callbacks):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            clip = request_clip(user, "make-an-audio", prompt="thunder", duration=1.0)
        client.force_login(user)

        response = client.get(reverse("admin:audio_generatedaudioclip_audio", args=[clip.id]))

        assert response.status_code == 302 and "/admin/login/" in response["Location"]


class TestLedgerAdmin:
    def test_is_read_only_and_filterable(self, admin_client, django_capture_on_commit_callbacks):
        user = UserFactory(email="ledger@example.com")
        with django_capture_on_commit_callbacks(execute=False):
            request_clip(user, "make-an-audio", prompt="wind", duration=1.0)
        row = UsageLog.objects.get(user=user)

        listing = admin_client.get(reverse("admin:credits_usagelog_changelist"), {"reason__exact": "debit", "q": "ledger@"})
        add = admin_client.get(reverse("admin:credits_usagelog_add"))
        change = admin_client.post(reverse("admin:credits_usagelog_change", args=[row.pk]), {"credits": "5000"})

        assert [r.pk for r in listing.context["cl"].result_list] == [row.pk]
        assert add.status_code == 403
        assert UsageLog.objects.get(pk=row.pk).credits == row.credits
        assert change.status_code == 403


class TestAdjustCredits:
    def test_writes_an_adjustment_to_the_ledger(self, admin_client, operator):
        user = UserFactory(email="adjust@example.com")
        url = reverse("admin:accounts_user_changelist")

        form = admin_client.post(url, {"action": "adjust_credits", "_selected_action": [user.pk]})
        done = admin_client.post(
            url, {"action": "adjust_credits", "_selected_action": [user.pk], "apply": "1", "amount": "-300",
                  "note": "Abuse of the free tier"}, follow=True,
        )

        assert b"Adjust credits" in form.content
        assert User.objects.get(pk=user.pk).credits == 9700
        entry = UsageLog.objects.get(user=user)
        assert (entry.credits, entry.reason, entry.note, entry.actor) == (-300, "adjustment", "Abuse of the free tier", operator)
        assert "Adjusted the credits of 1 user(s)." in [str(m) for m in done.context["messages"]]


class TestCreditsAdjust:
    def test_never_takes_the_balance_below_zero(self):
        user = UserFactory()

        with pytest.raises(credits.AdjustmentRefused):
            credits.adjust(user_id=user.pk, amount=-10001, note="too much")

        assert User.objects.get(pk=user.pk).credits == 10000
        assert not UsageLog.objects.filter(user=user).exists()

    def test_adds_credits_with_a_ledger_row(self, operator):
        user = UserFactory()

        credits.adjust(user_id=user.pk, amount=500, note="Goodwill", actor=operator)

        assert User.objects.get(pk=user.pk).credits == 10500
        assert 10000 + _ledger_sum(user) == 10500


class TestLifecycleLogs:
    def test_each_step_of_a_clip_is_one_structured_line(
        self, caplog, admin_client, immediate_tasks, django_capture_on_commit_callbacks
    ):
        import json

        user = UserFactory()
        caplog.set_level(logging.INFO, logger="audio.lifecycle")
        clip = _failed_clip(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            services.clip_retry(clip_id=clip.id)
        services.clip_refund_by_operator(clip_id=clip.id, note="goodwill")

        events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "audio.lifecycle"]
        names = [e["event"] for e in events]
        assert names == [
            "clip.requested", "clip.failed", "clip.refunded", "clip.retried", "clip.started", "clip.done", "clip.refunded",
        ]
        for event in events:
            assert event["clip_id"] == clip.id and event["user_id"] == user.pk and event["service"] == "make-an-audio"
            assert {"engine", "duration_s", "outcome"} <= event.keys()
        assert events[5]["outcome"] == "done" and events[5]["duration_s"] is not None
        assert events[5]["engine"]


def test_the_clip_page_shows_the_voices_provenance(admin_client):
    clip = make_clip(UserFactory(), voice="woman")

    html = admin_client.get(reverse("admin:audio_generatedaudioclip_change", args=[clip.pk])).content.decode()

    assert "Woman: Made from Piper&#x27;s male “joe” voice" in html and "CC0" in html


class TestAdminAudio:
    def test_staff_playback_answers_byte_ranges_as_the_owners_audio_does(self, admin_client, settings, tmp_path):
        from tests.factories import finish_clip, wav_bytes

        settings.MEDIA_ROOT = str(tmp_path / "media")
        clip = finish_clip(make_clip(UserFactory(), status="pending"), wav_bytes(1.0))
        url = reverse("admin:audio_generatedaudioclip_audio", args=[clip.id])

        whole = admin_client.get(url)
        part = admin_client.get(url, HTTP_RANGE="bytes=0-99")
        tail = admin_client.get(url, HTTP_RANGE="bytes=-10")

        data = b"".join(whole.streaming_content)
        assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
        assert part.status_code == 206 and b"".join(part.streaming_content) == data[:100]
        assert part["Content-Range"] == f"bytes 0-99/{len(data)}"
        assert tail.status_code == 206 and b"".join(tail.streaming_content) == data[-10:]
