"""Many requests at once, over real HTTP against a threaded server."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.db.models import Sum

from accounts.models import User
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
class TestConcurrentRequests:
    def test_hundred_requests_with_credits_for_two_make_exactly_two_clips(self, transactional_db, live_server, client):
        user = UserFactory(credits=120)
        client.force_login(user)
        cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        url = f"{live_server.url}/app/text-to-speech/"
        page = requests.get(url, cookies=cookies, timeout=30)
        cookies[settings.CSRF_COOKIE_NAME] = page.cookies[settings.CSRF_COOKIE_NAME]
        headers = {"X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME], "Referer": url}

        def generate(n: int) -> int:
            response = requests.post(url, data={"text": f"Sentence number {n}.", "voice": "andreas"},
                                     cookies=cookies, headers=headers, allow_redirects=False, timeout=60)
            return response.status_code

        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(generate, range(100)))

        assert page.status_code == 200
        assert [s for s in statuses if s >= 500] == []
        assert set(statuses) == {302}
        assert GeneratedAudioClip.objects.filter(user=user).count() == 2
        balance = User.objects.get(pk=user.pk).credits
        assert balance == 20
        assert 120 + UsageLog.objects.filter(user=user).aggregate(total=Sum("credits"))["total"] == balance
