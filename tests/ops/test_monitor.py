from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audio.models import GeneratedAudioClip
from audio.tasks import generate_clip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _clip(user, service, *, ago, state, error=""):
    return GeneratedAudioClip.objects.create(
        user=user, service=service, created_at=timezone.now() - ago, failed=state == "failed",
        s3_key="x/done.wav" if state == "done" else None, error=error,
    )


@pytest.fixture
def seeded(db):
    user = UserFactory(email="seeded@example.com")
    minutes, hours, days = (lambda n: timedelta(minutes=n)), (lambda n: timedelta(hours=n)), (lambda n: timedelta(days=n))
    _clip(user, "styletts2", ago=minutes(10), state="done")
    _clip(user, "styletts2", ago=minutes(30), state="failed", error="Engine timed out")
    _clip(user, "styletts2", ago=hours(5), state="failed", error="Engine timed out")
    _clip(user, "styletts2", ago=days(3), state="done")
    _clip(user, "styletts2", ago=days(10), state="failed", error="Too old to count")
    oldest = _clip(user, "seedvc", ago=hours(2), state="pending")
    _clip(user, "seedvc", ago=minutes(10), state="pending")
    _clip(user, "seedvc", ago=days(2), state="failed", error="Voice not found")
    for _ in range(3):
        _clip(user, "make-an-audio", ago=minutes(20), state="done")
    return oldest


class TestMonitorView:
    def test_figures_match_the_seeded_clips(self, admin_client, seeded):
        generate_clip.enqueue("a")
        generate_clip.enqueue("b")
        generate_clip.using(run_after=timezone.now() + timedelta(minutes=5)).enqueue("c")

        response = admin_client.get(reverse("admin:audio_generatedaudioclip_monitor"))

        assert response.status_code == 200
        figures = response.context["figures"]
        by_service = {s.service: s for s in figures.services}
        tts, vc, sfx = by_service["styletts2"], by_service["seedvc"], by_service["make-an-audio"]
        assert [(tts.windows[k].clips, tts.windows[k].failed) for k in ("1h", "24h", "7d")] == [(2, 1), (3, 2), (4, 2)]
        assert [tts.windows[k].failure_rate for k in ("1h", "24h", "7d")] == [50.0, 66.7, 50.0]
        assert [(vc.windows[k].clips, vc.windows[k].failed) for k in ("1h", "24h", "7d")] == [(1, 0), (2, 0), (3, 1)]
        assert [(sfx.windows[k].clips, sfx.windows[k].failed) for k in ("1h", "24h", "7d")] == [(3, 0), (3, 0), (3, 0)]
        assert (figures.totals["24h"].clips, figures.totals["24h"].failed) == (8, 2)
        assert (vc.pending, tts.pending, figures.pending) == (2, 0, 2)
        assert figures.oldest_pending == seeded
        assert [(e["error"], e["count"]) for e in figures.errors] == [("Engine timed out", 2), ("Voice not found", 1)]
        assert sum(bar.clips for bar in figures.hours) == 8 and sum(bar.failed for bar in figures.hours) == 2
        assert (figures.queue.ready, figures.queue.scheduled, figures.queue.running) == (2, 1, 0)
        html = response.content.decode()
        assert 'id="pending-count">2<' in html and "<svg" in html and "Engine timed out" in html

    def test_is_linked_from_the_clip_list_and_the_admin_index(self, admin_client):
        url = reverse("admin:audio_generatedaudioclip_monitor")

        changelist = admin_client.get(reverse("admin:audio_generatedaudioclip_changelist"))
        index = admin_client.get(reverse("admin:index"))

        assert url in changelist.content.decode()
        assert url in index.content.decode()

    def test_runs_a_fixed_number_of_queries(self, admin_client, seeded, django_assert_max_num_queries):
        with django_assert_max_num_queries(15):
            admin_client.get(reverse("admin:audio_generatedaudioclip_monitor"))

    def test_is_for_staff_only(self, client):
        client.force_login(UserFactory())

        response = client.get(reverse("admin:audio_generatedaudioclip_monitor"))

        assert response.status_code == 302
