"""Sign-up and login as a browser does it (Django test client, CSRF enforced)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

PASSWORD = "a-long-and-unusual-passphrase"


def _csrf_client():
    return Client(enforce_csrf_checks=True)


def _post_form(client, url, data):
    page = client.get(url)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _signup(client, email, password=PASSWORD, password2=None):
    return _post_form(
        client, reverse("account_signup"), {"email": email, "password1": password, "password2": password2 or password}
    )


def _login(client, email, password):
    return _post_form(client, reverse("account_login"), {"login": email, "password": password})


def _use_redis_cache(settings):
    """Point the cache (rate limits, visitors' sessions) at the real Redis server, as REDIS_URL does."""
    import os

    import redis
    from django.core.cache import caches

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis does not answer at {url}")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    caches["default"].clear()


@pytest.mark.django_db
class TestSignUpAndLogin:
    def test_sign_up_gives_10000_credits_then_log_out_and_in(self):
        client = _csrf_client()

        response = _signup(client, "New.Person@Example.com")

        assert response.status_code == 302
        user = User.objects.get(email="new.person@example.com")
        assert user.credits == 10000
        assert client.get(reverse("accounts:account")).status_code == 200

        response = _post_form(client, reverse("account_logout"), {})
        assert response.status_code == 302
        assert client.get(reverse("accounts:account")).status_code == 302

        response = _login(client, "new.person@example.com", PASSWORD)
        assert response.status_code == 302
        page = client.get(reverse("accounts:account"))
        assert page.status_code == 200
        assert b"10,000" in page.content

    def test_duplicate_email_is_a_form_error(self, user):
        response = _signup(_csrf_client(), user.email)

        assert response.status_code == 200
        assert response.context["form"].errors["email"]
        assert User.objects.filter(email=user.email).count() == 1

    def test_short_password_is_a_form_error(self):
        response = _signup(_csrf_client(), "short@example.com", password="abc1")

        assert response.status_code == 200
        assert response.context["form"].errors["password1"]
        assert not User.objects.filter(email="short@example.com").exists()

    def test_password_over_72_bytes_is_refused_at_sign_up(self):
        response = _signup(_csrf_client(), "long@example.com", password="é" * 40)

        assert response.status_code == 200
        assert "too long" in str(response.context["form"].errors["password1"])

    def test_post_without_csrf_token_is_refused(self):
        response = _csrf_client().post(reverse("account_signup"), {"email": "x@example.com"})

        assert response.status_code == 403

    @pytest.mark.parametrize("cache_backend", ["file", "redis"])
    def test_eleven_wrong_passwords_in_a_minute_are_rate_limited(self, user, cache_backend, settings):
        if cache_backend == "redis":
            _use_redis_cache(settings)
        client = _csrf_client()

        statuses = [_login(client, user.email, f"wrong-{i}").status_code for i in range(11)]

        assert statuses[0] == 200
        assert statuses[-1] == 429
        assert 500 not in statuses
        # Even the right password is refused while limited.
        assert _login(client, user.email, "correct horse battery staple").status_code == 429

    def test_admin_login_goes_through_allauth(self):
        response = Client().get("/admin/login/?next=/admin/")

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
class TestPasswordsFromTheNodeApp:
    def test_raw_2a_hash_logs_in_and_is_upgraded(self):
        import bcrypt

        raw = bcrypt.hashpw(b"old node password", bcrypt.gensalt(rounds=10, prefix=b"2a")).decode()
        assert raw.startswith("$2a$10$")
        User.objects.create(email="legacy@example.com", password=raw)

        response = _login(_csrf_client(), "legacy@example.com", "old node password")

        assert response.status_code == 302
        stored = User.objects.get(email="legacy@example.com").password
        assert stored.startswith("bcrypt$$2b$10$")
        assert User.objects.get(email="legacy@example.com").check_password("old node password")

    def test_raw_hash_with_wrong_password_fails_and_is_kept(self):
        import bcrypt

        raw = bcrypt.hashpw(b"old node password", bcrypt.gensalt(rounds=10, prefix=b"2b")).decode()
        User.objects.create(email="legacy2@example.com", password=raw)

        response = _login(_csrf_client(), "legacy2@example.com", "not it")

        assert response.status_code == 200
        assert response.context["form"].errors
        assert User.objects.get(email="legacy2@example.com").password == raw

    def test_80_byte_password_is_a_failed_login_not_a_500(self, user):
        response = _login(_csrf_client(), user.email, "x" * 80)

        assert response.status_code == 200
        assert response.context["form"].errors

    def test_new_passwords_use_bcrypt_cost_10(self, user):
        assert user.password.startswith("bcrypt$$2b$10$")


@pytest.mark.django_db
class TestNoEnumeration:
    def test_password_reset_looks_the_same_for_known_and_unknown_emails(self, user):
        known = _post_form(_csrf_client(), reverse("account_reset_password"), {"email": user.email})
        unknown = _post_form(_csrf_client(), reverse("account_reset_password"), {"email": "nobody@example.com"})

        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]

    def test_sign_up_with_a_taken_email_looks_like_success_when_confirmation_is_mandatory(self, user, settings):
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

        taken = _signup(_csrf_client(), user.email)
        fresh = _signup(_csrf_client(), "fresh@example.com")

        assert taken.status_code == fresh.status_code == 302
        assert taken["Location"] == fresh["Location"]
        assert User.objects.filter(email=user.email).count() == 1


@pytest.mark.django_db
class TestEmailConfirmation:
    def test_confirmation_link_sets_email_verified_and_is_single_use(self, settings, django_capture_on_commit_callbacks):
        import re

        from accounts.models import VerificationToken
        from tests.mail import sent_mail

        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
        client = _csrf_client()
        with django_capture_on_commit_callbacks(execute=True):  # the mail is queued on commit
            _signup(client, "confirm@example.com")
        assert VerificationToken.objects.filter(identifier="confirm@example.com").count() == 1
        link = re.search(r"https?://[^/]+(/accounts/confirm-email/[^/\s]+/)", sent_mail()[-1].body).group(1)

        first = _post_form(client, link, {})
        second = _csrf_client().get(link)

        assert first.status_code == 302
        assert User.objects.get(email="confirm@example.com").email_verified is not None
        assert second.status_code == 410
        assert not VerificationToken.objects.exists()
