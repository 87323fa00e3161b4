"""History pages are cut by a keyset cursor (created_at, id), never by OFFSET: page N costs
the queries page 1 costs, and a search pages the same way."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audio.history import PAGE_SIZE
from audio.models import GeneratedAudioClip
from audio import page_cache
from tests.factories import UserFactory

PAGES = 6


def make_history(user, n, *, text="Clip number {i}"):
    now = timezone.now()
    GeneratedAudioClip.objects.bulk_create(
        GeneratedAudioClip(user=user, service="styletts2", text=text.format(i=i), voice="andreas",
                           s3_key=f"styletts2-output/{i}.wav", created_at=now - timedelta(seconds=i), cost=50)
        for i in range(n)
    )


def clip_selects(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "audio_generatedaudioclip"' in q["sql"].replace("`", '"')]


@pytest.mark.django_db
class TestHistoryKeyset:
    def test_page_n_costs_what_page_one_costs_and_uses_no_offset(self, client):
        user = UserFactory()
        make_history(user, PAGE_SIZE * PAGES + 7)
        client.force_login(user)
        client.get("/app/text-to-speech/")  # warm caches (voices, session)

        costs, seen, cursor = [], [], None
        for _page in range(PAGES + 1):
            page_cache.clear()  # every page cold: page 1 warmed above would be served as kept
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/app/text-to-speech/", {"before": cursor} if cursor else {})
            history = response.context["history"]
            costs.append((len(queries), clip_selects(queries)))
            seen += [row.key[0] for row in history.rows]
            cursor = history.older

        first_count, first_selects = costs[0]
        assert cursor is None  # the last page has no older one
        assert len(seen) == len(set(seen)) == PAGE_SIZE * PAGES + 7
        assert [count for count, _ in costs] == [first_count] * (PAGES + 1)
        for _count, selects in costs:
            # The page's rows (state columns, cut by the cursor), then the clips not rendered yet, by id.
            assert len(selects) == len(first_selects) <= 2
            assert "OFFSET" not in " ".join(selects).upper()
            assert f"LIMIT {PAGE_SIZE + 1}" in selects[0].upper()
        assert '"created_at" <' in costs[PAGES][1][0].replace("`", '"')

    def test_newer_pages_walk_back_to_the_first(self, client):
        user = UserFactory()
        make_history(user, PAGE_SIZE * 3)
        client.force_login(user)
        pages = [client.get("/app/text-to-speech/").context["history"]]
        for _ in range(2):
            pages.append(client.get("/app/text-to-speech/", {"before": pages[-1].older}).context["history"])

        back = client.get("/app/text-to-speech/", {"after": pages[2].newer}).context["history"]
        first_again = client.get("/app/text-to-speech/", {"after": back.newer}).context["history"]

        assert [r.key[0] for r in back.rows] == [r.key[0] for r in pages[1].rows]
        assert [r.key[0] for r in first_again.rows] == [r.key[0] for r in pages[0].rows]
        assert first_again.newer is None

    def test_a_search_pages_by_cursor_too(self, client):
        user = UserFactory()
        make_history(user, PAGE_SIZE * 2, text="postcard {i}")
        make_history(user, PAGE_SIZE, text="letter {i}")
        client.force_login(user)

        first = client.get("/app/text-to-speech/", {"q": "postcard"}).context["history"]
        second = client.get("/app/text-to-speech/", {"q": "postcard", "before": first.older}).context["history"]

        texts = [r.clip.text for r in first.rows + second.rows]
        assert len(texts) == len(set(texts)) == PAGE_SIZE * 2
        assert all(text.startswith("postcard") for text in texts)
        assert second.older is None
