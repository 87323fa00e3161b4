"""Mail never breaks a request: sign-up, password reset and add-email store the mail and answer;
the worker delivers it, retrying while the mail server is down; /healthz reports the failures.
Against a real SMTP server (aiosmtpd) on a local port, and a real worker process."""

import email
import email.policy
import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import MailStatus, OutgoingMail
from ops import health
from tests.accounts.test_auth_flow import _post_form, _signup
from tests.factories import UserFactory
from tests.mail import run_mail_tasks
from tests.support import Worker, free_port, wait_for


class SMTPServer:
    """aiosmtpd on 127.0.0.1:``port``, keeping what it receives; ``refuse`` answers 550 to
    every recipient."""

    def __init__(self, port: int, *, refuse: bool = False):
        from aiosmtpd.controller import Controller

        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = refuse
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.running = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> "SMTPServer":
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


def _smtp(settings, port: int) -> None:
    settings.MAILERS = {
        **settings.MAILERS,
        "outgoing": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                     "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5}},
    }


def _mail_health(settings) -> dict:
    settings.HEALTHZ_CACHE_SECONDS = 0
    health.reset_cache()
    return Client().get("/healthz").json()


def _csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_with_the_smtp_port_closed_requests_answer_and_each_mail_arrives_once_the_server_is_up(tmp_path, settings):
    port = free_port()  # nothing listens here yet
    worker = Worker(tmp_path / "worker.log", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), EMAIL_USE_TLS="0",
                    MAIL_RETRY_BACKOFF_SECONDS=",".join(["1"] * 60))
    server = SMTPServer(port)
    try:
        UserFactory(email="known@example.com")
        adder = _csrf_client()
        adder.force_login(UserFactory(email="adder@example.com"))

        signup = _signup(_csrf_client(), "newcomer@example.com")
        reset = _post_form(_csrf_client(), reverse("account_reset_password"), {"email": "known@example.com"})
        add = _post_form(adder, reverse("account_email"), {"action_add": "", "email": "second@example.com"})

        assert (signup.status_code, reset.status_code, add.status_code) == (302, 302, 302)
        assert reset["Location"] == reverse("account_reset_password_done")
        wait_for(lambda: OutgoingMail.objects.retrying().count() == 3, timeout=90, what="three failed first attempts")
        report = _mail_health(settings)
        assert report["status"] == "ok"  # mail is reported, it does not make the site "unavailable"
        assert report["checks"]["mail"]["ok"] is False
        assert report["checks"]["mail"]["retrying"] == 3
        assert report["checks"]["mail"]["last_failure"] == "ConnectionRefusedError"
        assert report["checks"]["mail"]["last_failure_at"]
        assert server.received == []

        server.start()
        wait_for(lambda: OutgoingMail.objects.filter(status=MailStatus.SENT).count() == 3, timeout=90,
                 what="the three mails sent")
        time.sleep(3)  # long enough for a duplicate retry to arrive, if there were one

        by_recipient = {rcpts[0]: message for rcpts, message in server.received}
        assert sorted(by_recipient) == ["known@example.com", "newcomer@example.com", "second@example.com"]
        assert len(server.received) == 3
        assert "/accounts/password/reset/key/" in by_recipient["known@example.com"].get_content()
        assert "/accounts/confirm-email/" in by_recipient["newcomer@example.com"].get_content()
        assert "/accounts/confirm-email/" in by_recipient["second@example.com"].get_content()
        assert not OutgoingMail.objects.exclude(message={}).exists()  # the links are not kept
        assert _mail_health(settings)["checks"]["mail"]["retrying"] == 0
    finally:
        worker.stop()
        server.stop()


@pytest.mark.django_db
class TestDeliveryOutcomes:
    def test_a_recipient_refused_for_good_is_not_retried_and_is_reported(self, settings, django_capture_on_commit_callbacks):
        port = free_port()
        _smtp(settings, port)
        UserFactory(email="known@example.com")
        server = SMTPServer(port, refuse=True).start()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                _post_form(_csrf_client(), reverse("account_reset_password"), {"email": "known@example.com"})
            ran = run_mail_tasks()
        finally:
            server.stop()

        mail = OutgoingMail.objects.get()
        assert ran == 1
        assert (mail.status, mail.attempts, mail.last_error, mail.message) == (MailStatus.FAILED, 1, "SMTPRecipientsRefused", {})
        report = _mail_health(settings)["checks"]["mail"]
        assert report["failed_last_24h"] == 1 and report["retrying"] == 0 and report["ok"] is False

    def test_a_server_that_stays_down_is_tried_as_often_as_the_backoff_says_then_given_up(
            self, settings, django_capture_on_commit_callbacks):
        _smtp(settings, free_port())
        settings.MAIL_RETRY_BACKOFF_SECONDS = [0, 0]
        UserFactory(email="known@example.com")

        with django_capture_on_commit_callbacks(execute=True):
            response = _post_form(_csrf_client(), reverse("account_reset_password"), {"email": "known@example.com"})
        ran = run_mail_tasks()

        mail = OutgoingMail.objects.get()
        assert response.status_code == 302
        assert ran == 3
        assert (mail.status, mail.attempts, mail.last_error) == (MailStatus.FAILED, 3, "ConnectionRefusedError")
