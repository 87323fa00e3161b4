"""accounts.Session is the live store behind browser sessions."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session

PASSWORD = "correct horse battery staple"


def _browser(user, agent):
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
class TestSessionStore:
    def test_two_logins_make_two_rows(self, user):
        _browser(user, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
        _browser(user, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1")

        rows = Session.objects.filter(user=user)

        assert rows.count() == 2
        assert {row.device for row in rows} == {"Firefox on Linux", "Safari on iPhone"}
        assert all(row.expires > timezone.now() for row in rows)

    def test_the_session_key_is_the_session_token(self, user):
        client = _browser(user, "test-agent")

        cookie = client.cookies["sessionid"].value

        assert Session.objects.get(user=user).session_token == cookie

    def test_ending_one_from_the_account_page_logs_that_browser_out(self, user):
        laptop = _browser(user, "Mozilla/5.0 (Macintosh) Chrome/150.0 Safari/537.36")
        phone = _browser(user, "Mozilla/5.0 (Linux; Android 15) Chrome/150.0 Mobile")
        phone_row = Session.objects.get(session_token=phone.cookies["sessionid"].value)
        page = laptop.get(reverse("accounts:account"))
        assert b"Chrome on Android" in page.content

        response = laptop.post(reverse("accounts:session_end", args=[phone_row.pk]))

        assert response.status_code == 302
        assert not Session.objects.filter(pk=phone_row.pk).exists()
        assert phone.get(reverse("accounts:account")).status_code == 302  # sent to login
        assert laptop.get(reverse("accounts:account")).status_code == 200

    def test_end_all_others_keeps_the_current_browser(self, user):
        current = _browser(user, "one")
        _browser(user, "two")
        _browser(user, "three")

        current.post(reverse("accounts:session_end_others"))

        assert list(Session.objects.filter(user=user).values_list("session_token", flat=True)) == [
            current.cookies["sessionid"].value
        ]

    def test_another_users_session_cannot_be_ended(self, user):
        from tests.factories import UserFactory

        other = UserFactory()
        _browser(other, "theirs")
        mine = _browser(user, "mine")
        theirs = Session.objects.get(user=other)

        mine.post(reverse("accounts:session_end", args=[theirs.pk]))

        assert Session.objects.filter(pk=theirs.pk).exists()

    def test_expired_rows_are_not_accepted(self, user):
        client = _browser(user, "agent")
        Session.objects.filter(user=user).update(expires=timezone.now() - timedelta(seconds=1))

        response = client.get(reverse("accounts:account"))

        assert response.status_code == 302

    def test_logout_deletes_the_row(self, user):
        client = _browser(user, "agent")

        client.post(reverse("account_logout"))

        assert not Session.objects.filter(user=user).exists()

    def test_clearsessions_removes_expired_rows(self, user):
        from django.core.management import call_command

        _browser(user, "a")
        _browser(user, "b")
        Session.objects.filter(user=user, user_agent="a").update(expires=timezone.now() - timedelta(days=1))

        call_command("clearsessions")

        assert list(Session.objects.values_list("user_agent", flat=True)) == ["b"]
