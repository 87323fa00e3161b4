"""The mail task: one queue, "mail", so slow or failing SMTP never holds up audio work
(``run_worker`` serves every queue by default). Retries are new tasks with ``run_after``, like
the clips' (audio/tasks.py); the attempts and the backoff are accounts/mail.py's."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone

from accounts import mail

logger = logging.getLogger(__name__)

MAIL_QUEUE = "mail"


@task(queue_name=MAIL_QUEUE)
def deliver_mail(mail_id: str) -> None:
    attempt = mail.mail_deliver(mail_id=mail_id)
    if attempt.retry_in is not None:
        enqueue_mail(mail_id, run_after=timezone.now() + timedelta(seconds=attempt.retry_in))


def enqueue_mail(mail_id: str, *, run_after: datetime | None = None) -> None:
    """Queue the mail's next attempt. If the queue refuses, the mail stays queued (and /healthz
    shows it waiting): the request that sent it has been answered already."""
    options = {"queue_name": MAIL_QUEUE}
    if run_after:
        options["run_after"] = run_after
    try:
        deliver_mail.using(**options).enqueue(mail_id)
    except Exception:  # noqa: BLE001 - any backend error: log it, never fail the caller
        logger.exception("could not queue mail %s", mail_id)
