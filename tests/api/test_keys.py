"""API keys: made on My Account or by the operator's command, shown once, stored as an HMAC,
listed, revoked; a key's credit limit holds under concurrent requests and refunds give back."""

import re
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection
from django.test import Client

from accounts import api_keys
from accounts.models import ApiKey, User
from audio import generation, services
from audio.engines import GenerationRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = re.compile(r"sk_[0-9a-f]{48}")


def api_section(html: str) -> str:
    return html[html.index('aria-labelledby="api-keys-heading"'):].split("</section>", 1)[0]


class TestOnMyAccount:
    def test_a_key_is_made_shown_once_listed_used_and_revoked(self):
        user = UserFactory()
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        page = browser.get("/app/account/")
        token = page.cookies["csrftoken"].value

        made = browser.post("/app/account/api-keys/", {"name": "nightly batch", "credit_limit": "500",
                                                       "csrfmiddlewaretoken": token})

        assert made.status_code == 201 and made["Cache-Control"] == "no-store"
        raw = KEY.search(api_section(made.content.decode())).group(0)
        key = ApiKey.objects.get(user=user)
        assert key.name == "nightly batch" and key.credit_limit == 500 and key.prefix == raw[:11]
        assert key.hashed != raw and raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())
        assert Client().get("/v1/user", HTTP_XI_API_KEY=raw).json()["user_id"] == user.pk

        listing = api_section(browser.get("/app/account/").content.decode())
        assert raw not in listing and KEY.search(listing) is None
        assert "nightly batch" in listing and f"{raw[:11]}…" in listing and "0 of 500" in listing
        assert "<script" not in listing and "style=" not in listing
        assert 'href="/api/"' in listing

        revoked = browser.post(f"/app/account/api-keys/{key.pk}/revoke/", {"csrfmiddlewaretoken": token}, follow=True)

        assert revoked.status_code == 200 and "was revoked" in revoked.content.decode()
        assert ApiKey.objects.get(pk=key.pk).revoked
        assert Client().get("/v1/user", HTTP_XI_API_KEY=raw).status_code == 401
        assert "nightly batch" not in api_section(revoked.content.decode())

    def test_forms_without_the_csrf_token_are_refused(self):
        user = UserFactory()
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)

        assert browser.post("/app/account/api-keys/", {"name": "x"}).status_code == 403
        assert not ApiKey.objects.filter(user=user).exists()

    def test_a_bad_credit_limit_is_explained_and_makes_no_key(self, client):
        user = UserFactory()
        client.force_login(user)

        response = client.post("/app/account/api-keys/", {"name": "x", "credit_limit": "-5"})

        assert response.status_code == 400 and "at least 1" in response.content.decode()
        assert not ApiKey.objects.filter(user=user).exists()

    def test_one_cannot_revoke_another_users_key(self, client):
        theirs, _raw = api_keys.api_key_create(user=UserFactory(), name="theirs")
        client.force_login(UserFactory())

        client.post(f"/app/account/api-keys/{theirs.pk}/revoke/")

        assert not ApiKey.objects.get(pk=theirs.pk).revoked

    def test_the_api_page_shows_curl_and_sdk_examples_without_inline_scripts(self, client):
        html = client.get("/api/").content.decode()

        assert "curl -X POST" in html and "from elevenlabs import ElevenLabs" in html and "from openai import OpenAI" in html
        assert "http://testserver" in html and "mp3_44100_128" in html
        assert "<script" not in html and "style=" not in html


class TestOperators:
    def test_create_api_key_prints_the_key_alone_on_its_last_line(self, capsys):
        user = UserFactory(email="ops@example.com")

        call_command("create_api_key", "OPS@example.com", "--name", "cron", "--credit-limit", "300")

        out = capsys.readouterr().out
        raw = out.strip().splitlines()[-1]
        assert KEY.fullmatch(raw)
        key = ApiKey.objects.get(user=user)
        assert key.name == "cron" and key.credit_limit == 300
        assert api_keys.authenticate(raw) == key

    def test_create_api_key_for_nobody_is_an_error(self):
        with pytest.raises(CommandError, match="No user"):
            call_command("create_api_key", "nobody@example.com")

    def test_the_admin_lists_keys_but_never_a_secret(self, admin_client):
        key, raw = api_keys.api_key_create(user=UserFactory(), name="listed")

        listing = admin_client.get("/admin/accounts/apikey/").content.decode()
        detail = admin_client.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()

        assert "listed" in listing and key.prefix in listing
        for html in (listing, detail):
            assert raw not in html and key.hashed not in html


class TestKeysInUse:
    def test_last_used_is_written_at_most_once_a_minute(self):
        key, raw = api_keys.api_key_create(user=UserFactory(), name="k")

        first = api_keys.authenticate(raw).last_used_at
        second = api_keys.authenticate(raw).last_used_at

        assert first is not None and second == first == ApiKey.objects.get(pk=key.pk).last_used_at

    def test_a_secret_key_rotation_keeps_keys_working_through_the_fallbacks(self, settings):
        key, raw = api_keys.api_key_create(user=UserFactory(), name="k")
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789abcdef"

        assert api_keys.authenticate(raw) == key
        assert api_keys.authenticate(raw[:-1] + ("0" if raw[-1] != "0" else "1")) is None


@pytest.mark.django_db(transaction=True)
def test_a_keys_limit_holds_under_concurrent_requests_and_refunds_give_back():
    user = User.objects.create_user(email="race@example.com", password="x" * 12, credits=100000)
    key, _raw = api_keys.api_key_create(user=user, name="limited", credit_limit=500)  # ten clips of 50
    outcomes: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(12)

    def ask():
        try:
            start.wait()
            for _ in range(2):
                try:
                    services.clip_request(user=User.objects.get(pk=user.pk), service="make-an-audio", api_key=key,
                                          request=GenerationRequest(text="rain", params={"duration": 1.0}))
                    outcomes.append("made")
                except services.InsufficientCredits:
                    outcomes.append("refused")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert outcomes.count("made") == 10 and outcomes.count("refused") == 14
    key.refresh_from_db()
    assert key.credits_spent == 500
    assert User.objects.get(pk=user.pk).credits == 100000 - 500
    clip = key.clips.order_by("created_at", "id").first()

    assert generation.clip_fail(clip_id=clip.pk, error="Failed for the test.")
    assert not generation.clip_fail(clip_id=clip.pk, error="Failed again.")

    key.refresh_from_db()
    assert key.credits_spent == 450 and key.clips.count() == 10
