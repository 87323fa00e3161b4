"""The studio pages: editor, voices, history (grouped, searchable, paged), fragments."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from audio.models import GeneratedAudioClip
from audio import page_cache
from tests.factories import UserFactory


def noon_today():
    """Today at noon: clips spread over minutes before it stay on today whatever the hour."""
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)


def make_clips(user, n, *, service="styletts2", **fields):
    now = noon_today()
    GeneratedAudioClip.objects.bulk_create(
        GeneratedAudioClip(user=user, service=service, text=fields.get("text", f"Clip number {i}"),
                           voice=fields.get("voice", "andreas"), s3_key=f"styletts2-output/{i}.wav",
                           created_at=fields.get("created_at", now - timedelta(minutes=i)), cost=50)
        for i in range(n)
    )


@pytest.mark.django_db
class TestStudioPages:
    @pytest.mark.parametrize(("path", "marker"), [
        ("/app/text-to-speech/", "</span> / 5000"),
        ("/app/voice-changer/", 'type="file" name="audio"'),
        ("/app/sound-effects/", "</span> / 500"),
    ])
    def test_render_the_editor_the_cost_and_an_empty_history(self, client, path, marker):
        client.force_login(UserFactory())

        html = client.get(path).content.decode()

        assert marker in html
        assert "Generate · 50 credits" in html
        assert "Nothing here yet" in html

    def test_voices_come_from_the_engine_registry_with_descriptions(self, client):
        from audio import engines

        client.force_login(UserFactory())

        html = client.get("/app/text-to-speech/").content.decode()

        for voice in engines.get_engine("styletts2").voices():
            assert f'value="{voice.id}"' in html and escape(voice.description) in html

    def test_history_groups_by_day_searches_and_pages(self, client):
        user = UserFactory()
        make_clips(user, 55)
        GeneratedAudioClip.objects.create(user=user, service="styletts2", text="An old postcard", voice="woman",
                                          s3_key="x.wav", created_at=noon_today() - timedelta(days=1, hours=1))
        make_clips(UserFactory(), 3, text="Someone else's clip")
        client.force_login(user)

        first = client.get("/app/text-to-speech/")
        second = client.get("/app/text-to-speech/", {"before": first.context["history"].older}).content.decode()
        found = client.get("/app/text-to-speech/?q=postcard").content.decode()
        by_voice = client.get("/app/text-to-speech/?q=woman&partial=history").content.decode()
        first = first.content.decode()

        assert first.count('class="clip clip-done"') == 50 and "Older →" in first and "← Newer" not in first
        assert "Today" in first and "Yesterday" not in first
        assert second.count('class="clip clip-done"') == 6 and "← Newer" in second and "Older →" not in second
        assert "Yesterday" in second and "An old postcard" in second
        assert found.count('class="clip ') == 1
        assert "Yesterday" in found and "An old postcard" in found
        assert "An old postcard" in by_voice and "<html" not in by_voice
        assert "Someone else" not in first + second

    def test_history_page_query_count_does_not_grow_with_clips(self, client):
        user = UserFactory()
        client.force_login(user)
        make_clips(user, 2)
        client.get("/app/text-to-speech/")
        page_cache.clear()  # both pages cold: nothing rendered yet
        with CaptureQueriesContext(connection) as few:
            client.get("/app/text-to-speech/")
        make_clips(user, 120)
        page_cache.clear()
        with CaptureQueriesContext(connection) as many:
            client.get("/app/text-to-speech/")
        page_cache.PAGES.clear()  # rows kept, page not: only the rows' state columns are read
        with CaptureQueriesContext(connection) as rows_kept:
            client.get("/app/text-to-speech/")
        with CaptureQueriesContext(connection) as warm:  # the page kept as it is: no clip is read
            client.get("/app/text-to-speech/")
        assert len(rows_kept) == len(many) - 1
        assert len(warm) == len(many) - 3
        assert not [q for q in warm if "audio_generatedaudioclip" in q["sql"]]

        assert len(many) == len(few) <= 7
