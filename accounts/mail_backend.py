"""The site's default mailer: every message Django sends (allauth's mails, mail_admins, ...) is
stored and its delivery queued (accounts/mail.py); nothing waits on the mail server."""

from __future__ import annotations

from functools import partial

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from accounts import mail, tasks


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        messages = [message for message in email_messages if message.recipients()]
        for mail_id in mail.mail_store(messages=messages):
            transaction.on_commit(partial(tasks.enqueue_mail, mail_id))
        return len(messages)
