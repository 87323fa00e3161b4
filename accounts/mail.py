"""Mail on its way out: a request stores the message, the worker delivers it.

The site's default mailer (accounts/mail_backend.py) calls ``mail_store``: each message becomes
an ``OutgoingMail`` row and its delivery is queued on the "mail" queue (accounts/tasks.py), so
sign-up, password reset and add-email answer at once whatever the mail server is doing. The
task calls ``mail_deliver``, which hands the message to the ``outgoing`` mailer (SMTP, or the
console without EMAIL_HOST). A failure that may pass (connection refused, a timeout, a 4xx
answer) is retried after ``MAIL_RETRY_BACKOFF_SECONDS``; a refusal for good (a 5xx answer, every
recipient refused) or the last attempt fails the mail. Either way the content, which carries
sign-in links, is cleared from the row once the mail is finished. /healthz reports mail that
is retrying or has failed (ops/health.py).
"""

from __future__ import annotations

import base64
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.models import MailStatus, OutgoingMail

logger = logging.getLogger(__name__)

OUTGOING = "outgoing"  # the MAILERS alias that really sends
DEFAULT_BACKOFF_SECONDS = (10, 30, 60, 120, 300, 600, 1800, 3600, 7200)


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt decided: ``retry_in`` seconds until the next, or None when
    the mail is finished (sent, failed for good, or gone)."""

    retry_in: float | None = None


def backoff_seconds() -> tuple[int, ...]:
    return tuple(getattr(settings, "MAIL_RETRY_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS)) or (0,)


def max_attempts() -> int:
    return len(backoff_seconds()) + 1


def mail_store(*, messages) -> list[str]:
    """Store each message for delivery; return the new rows' ids (the caller queues them)."""
    rows = [
        OutgoingMail(subject=str(message.subject)[:998], recipients=", ".join(message.recipients()),
                     message=_parts(message))
        for message in messages
    ]
    OutgoingMail.objects.bulk_create(rows)
    return [row.id for row in rows]


def mail_deliver(*, mail_id: str) -> Attempt:
    """One delivery attempt of a queued mail (the worker's task body)."""
    mail = OutgoingMail.objects.queued().filter(pk=mail_id).first()
    if mail is None:
        return Attempt()  # sent already, failed for good, or deleted
    attempts = mail.attempts + 1
    try:
        _message(mail.message).send(using=OUTGOING)
    except (smtplib.SMTPException, OSError) as exc:
        permanent = _refused_for_good(exc)
        logger.warning("mail %s attempt %d to %s failed: %s: %s", mail.pk, attempts, mail.recipients,
                       type(exc).__name__, exc)
        return _failed(mail, attempts, type(exc).__name__, give_up=permanent or attempts >= max_attempts())
    except Exception as exc:  # noqa: BLE001 - a message we cannot even build: retrying will not help
        logger.exception("mail %s could not be sent", mail.pk)
        return _failed(mail, attempts, type(exc).__name__, give_up=True)
    OutgoingMail.objects.filter(pk=mail.pk, status=MailStatus.QUEUED).update(
        status=MailStatus.SENT, attempts=attempts, sent_at=timezone.now(), message={}
    )
    return Attempt()


def _failed(mail: OutgoingMail, attempts: int, kind: str, *, give_up: bool) -> Attempt:
    fields = {"attempts": attempts, "last_error": kind[:200], "last_error_at": timezone.now()}
    if give_up:
        fields.update(status=MailStatus.FAILED, message={})
        logger.error("mail %s to %s given up after %d attempt(s) (%s)", mail.pk, mail.recipients, attempts, kind)
    OutgoingMail.objects.filter(pk=mail.pk, status=MailStatus.QUEUED).update(**fields)
    if give_up:
        return Attempt()
    delays = backoff_seconds()
    return Attempt(retry_in=delays[min(attempts - 1, len(delays) - 1)])


def _refused_for_good(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


# -- a message as JSON and back ---------------------------------------------------------------


def _parts(message) -> dict:
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment  # EmailAttachment; MIME parts are not supported
        if isinstance(content, str):
            attachments.append({"filename": filename, "text": content, "mimetype": mimetype})
        else:
            attachments.append({"filename": filename, "base64": base64.b64encode(content).decode("ascii"),
                                "mimetype": mimetype})
    return {
        "subject": str(message.subject), "body": str(message.body), "from_email": message.from_email,
        "to": list(message.to), "cc": list(message.cc), "bcc": list(message.bcc), "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
        "content_subtype": message.content_subtype,
        "alternatives": [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": attachments,
    }


def _message(parts: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        parts["subject"], parts["body"], parts["from_email"], parts["to"],
        cc=parts["cc"], bcc=parts["bcc"], reply_to=parts["reply_to"], headers=parts["headers"],
    )
    message.content_subtype = parts["content_subtype"]
    for content, mimetype in parts["alternatives"]:
        message.attach_alternative(content, mimetype)
    for attachment in parts["attachments"]:
        content = attachment["text"] if "text" in attachment else base64.b64decode(attachment["base64"])
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message
