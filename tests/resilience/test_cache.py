"""Redis (the cache behind rate limits and visitors' sessions) stopped and started again: the
site degrades to per-process local memory and goes back to Redis by itself."""

import logging

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from audio.models import GeneratedAudioClip
from tests.factories import UserFactory
from tests.support import RedisServer, run_tasks, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, redis_server, monkeypatch):
    """The cache as REDIS_URL configures it (settings' own cache_from_env), on this test's
    Redis, retrying every 0.2 s at most while it is down."""
    from elevenlabs_bernie.settings import cache_from_env

    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("REDIS_RETRY_MAX_SECONDS", "0.2")
    settings.CACHES = {"default": cache_from_env()}
    return redis.Redis.from_url(redis_server.url)


def _post_form(client, url, data):
    client.get(url)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _sign_up(client, email):
    return _post_form(client, reverse("account_signup"),
                      {"email": email, "password1": UserFactory.password, "password2": UserFactory.password})


def _sign_in(client, email, password=UserFactory.password):
    return _post_form(client, reverse("account_login"), {"login": email, "password": password})


def _wrong_passwords(email: str) -> list[int]:
    client = Client(enforce_csrf_checks=True)
    return [_sign_in(client, email, f"wrong-{i}").status_code for i in range(11)]


def test_sign_up_sign_in_and_generation_work_while_redis_is_down_and_its_limits_return_with_it(
        redis_server, redis_cache, client, caplog):
    caplog.set_level(logging.WARNING, logger="core.cache")
    someone = UserFactory(email="someone@example.com")
    redis_server.stop()

    browser = Client(enforce_csrf_checks=True)
    signed_up = _sign_up(browser, "while.down@example.com")
    page = browser.get("/app/text-to-speech/")
    generated = _post_form(browser, "/app/text-to-speech/", {"text": "Redis is down.", "voice": "andreas"})
    run_tasks()
    signed_out = _post_form(browser, reverse("account_logout"), {})
    signed_in = _sign_in(browser, "while.down@example.com")
    limited_while_down = _wrong_passwords(someone.email)
    health_down = client.get("/healthz")

    redis_server.start()
    wait_for(cache.check, timeout=5, what="the cache to use Redis again")
    limited_again = _wrong_passwords("nobody.yet@example.com")
    health_up = client.get("/healthz")
    keys_in_redis = redis_cache.keys("*")

    assert [signed_up.status_code, page.status_code, generated.status_code, signed_out.status_code,
            signed_in.status_code] == [302, 200, 302, 302, 302]
    clip = GeneratedAudioClip.objects.get(user__email="while.down@example.com")
    assert clip.status == "done"
    # Limits hold while Redis is down (counted in this process) and again once it is back (in Redis).
    for statuses in (limited_while_down, limited_again):
        assert statuses[0] == 200 and 429 in statuses and 500 not in statuses, statuses
    assert any(b":allauth:rl:allauth.account:login_failed:" in key for key in keys_in_redis), keys_in_redis
    down = health_down.json()
    assert health_down.status_code == 200 and down["status"] == "degraded"
    assert down["checks"]["cache"]["ok"] is False and down["checks"]["database"]["ok"] is True
    assert health_up.json()["checks"]["cache"] == {"ok": True, "backend": "redis"}
    # One line when Redis went, one when it came back: not one per request.
    messages = [record.getMessage() for record in caplog.records if record.name == "core.cache"]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Cache: Redis does not answer") and messages[1].startswith("Cache: Redis answers again")
