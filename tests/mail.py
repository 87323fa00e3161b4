"""Mail the tests look at."""

from django.core import mail


def sent_mail() -> list:
    """The messages sent so far (Django's test outbox)."""
    return list(mail.outbox)
