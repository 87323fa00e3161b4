"""Use cases that change more than one row for accounts."""

from django.db import transaction
from django.utils import timezone

from accounts.adapter import token_digest
from accounts.models import VerificationToken


class TokenInvalid(Exception):
    """The verification link is unknown, used, or expired."""


@transaction.atomic
def verification_token_consume(*, key: str) -> None:
    """Use a verification token once; raise TokenInvalid if it cannot be used."""
    deleted, _ = VerificationToken.objects.filter(token=token_digest(key), expires__gt=timezone.now()).delete()
    if not deleted:
        raise TokenInvalid



def verification_token_check(*, key: str) -> None:
    if not VerificationToken.objects.filter(token=token_digest(key), expires__gt=timezone.now()).exists():
        raise TokenInvalid
