"""Every change to a balance, and its ledger row, in one place.

A balance changes only through a conditional ``F()`` update (``credits >= amount`` for a debit),
in the same transaction as the ``UsageLog`` row that records it; the database CHECK on
``credits >= 0`` is the backstop. Callers (clips, the admin, the importer) use these functions
and handle ``CreditsError``; nothing else writes ``User.credits`` or the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accounts.models import ApiKey, User
from credits.models import LedgerReason, UsageLog

logger = logging.getLogger(__name__)
T = TypeVar("T")


class CreditsError(Exception):
    """A balance change was refused; the message is safe to show as it is."""


class InsufficientCredits(CreditsError):
    def __init__(self, *, needed: int, balance: int):
        self.needed, self.balance = needed, balance
        super().__init__(f"Not enough credits: this costs {needed:,} and you have {balance:,}.")


class KeyLimitReached(CreditsError):
    def __init__(self, *, needed: int, left: int):
        self.needed, self.left = needed, left
        super().__init__(f"This API key's credit limit is reached: this costs {needed:,} and the key has {left:,} left.")


class KeyRevoked(CreditsError):
    def __init__(self):
        super().__init__("This API key has been revoked.")


class AdjustmentRefused(CreditsError):
    pass


def balance_of(user_id: str) -> int:
    return User.objects.filter(pk=user_id).values_list("credits", flat=True).get()


def _take(user_id: str, amount: int) -> bool:
    return bool(User.objects.filter(pk=user_id, credits__gte=amount).update(credits=F("credits") - amount))


def _give(user_id: str, amount: int) -> None:
    User.objects.filter(pk=user_id).update(credits=F("credits") + amount)


def _take_from_key(api_key_id: str, amount: int) -> None:
    """Count ``amount`` against an active key, within its limit (one conditional UPDATE, so
    concurrent requests cannot overrun it); KeyLimitReached or KeyRevoked otherwise."""
    within = Q(credit_limit__isnull=True) | Q(credit_limit__gte=F("credits_spent") + amount)  # no unsigned underflow
    if ApiKey.objects.filter(within, pk=api_key_id, revoked_at__isnull=True).update(
            credits_spent=F("credits_spent") + amount):
        return
    key = ApiKey.objects.get(pk=api_key_id)
    if key.revoked:
        raise KeyRevoked()
    raise KeyLimitReached(needed=amount, left=key.credits_left or 0)


def _give_to_key(api_key_id: str | None, amount: int) -> None:
    if api_key_id:
        ApiKey.objects.filter(pk=api_key_id, credits_spent__gte=amount).update(credits_spent=F("credits_spent") - amount)


@transaction.atomic
def charge_for(*, user_id: str, amount: int, service: str, create: Callable[[], T], at: datetime | None = None,
               api_key_id: str | None = None) -> T:
    """Pay for something made in the same transaction: take ``amount`` (InsufficientCredits,
    and nothing written, when the balance is short), count it against the API key it was asked
    with (KeyLimitReached / KeyRevoked, and nothing written), then ``create()`` the clip and
    record the DEBIT row against it. The balance is taken first, so one user's concurrent
    requests queue on their user row (and never deadlock on the clip's foreign key to it)."""
    if not _take(user_id, amount):
        raise InsufficientCredits(needed=amount, balance=balance_of(user_id))
    if api_key_id:
        _take_from_key(api_key_id, amount)
    made = create()
    _debit_row(user_id=user_id, amount=amount, service=service, clip_id=made.pk, at=at)
    return made


def _debit_row(*, user_id: str, amount: int, service: str, clip_id: str, note: str = "",
               actor: User | None = None, at: datetime | None = None) -> UsageLog:
    fields = {"timestamp": at} if at else {}
    return UsageLog.objects.create(
        user_id=user_id, service=service, credits=-amount, clip_id=clip_id, reason=LedgerReason.DEBIT,
        note=note[:500], actor=actor, **fields,
    )


def refund(*, clip_id: str, user_id: str, service: str, amount: int, note: str = "", actor: User | None = None,
           api_key_id: str | None = None) -> bool:
    """Give a clip's charge back, at most once ever (the ledger's unique ``refund_of``), to the
    user and to the API key it was charged to. False when it was already refunded or cost
    nothing."""
    if amount <= 0:
        return False
    try:
        with transaction.atomic():
            UsageLog.objects.create(
                user_id=user_id, service=service, credits=amount, clip_id=clip_id, refund_of_id=clip_id,
                reason=LedgerReason.REFUND, note=note[:500], actor=actor,
            )
            _give(user_id, amount)
            _give_to_key(api_key_id, amount)
    except IntegrityError:
        return False  # already refunded: the unique refund_of refused the second row
    return True


def is_refunded(clip_id: str) -> bool:
    return UsageLog.objects.filter(refund_of_id=clip_id).exists()


@transaction.atomic
def charge_again(*, clip_id: str, user_id: str, service: str, amount: int, note: str, actor: User | None = None,
                 api_key_id: str | None = None) -> bool:
    """Charge a clip that is being retried. A refunded clip is charged again (to its API key
    too, within the key's limit) and its old refund is detached (it stays in the ledger), so a
    new failure may refund it again; a clip that was never refunded is still paid for and is
    not charged. True when credits were taken."""
    refund_row = UsageLog.objects.select_for_update().filter(refund_of_id=clip_id).first()
    if refund_row is None or amount <= 0:
        return False
    if not _take(user_id, amount):
        raise InsufficientCredits(needed=amount, balance=balance_of(user_id))
    if api_key_id:
        _take_from_key(api_key_id, amount)
    _debit_row(user_id=user_id, amount=amount, service=service, clip_id=clip_id, note=note, actor=actor)
    UsageLog.objects.filter(pk=refund_row.pk).update(refund_of=None)
    return True


@transaction.atomic
def adjust(*, user_id: str, amount: int, note: str, actor: User | None = None) -> UsageLog:
    """An operator changes a balance by ``amount`` (signed), saying why. A deduction larger
    than the balance changes nothing and raises AdjustmentRefused."""
    note = (note or "").strip()
    if not amount:
        raise AdjustmentRefused("The adjustment must not be zero.")
    if not note:
        raise AdjustmentRefused("Say why the balance changes.")
    if amount < 0:
        if not _take(user_id, -amount):
            raise AdjustmentRefused(f"The balance is smaller than {-amount:,}; nothing changed.")
    else:
        _give(user_id, amount)
    entry = UsageLog.objects.create(
        user_id=user_id, credits=amount, reason=LedgerReason.ADJUSTMENT, note=note[:500], actor=actor
    )
    logger.info("credits adjusted user=%s amount=%+d actor=%s", user_id, amount, getattr(actor, "pk", None))
    return entry


def record_imports(balances: list[tuple[str, int]], *, note: str, batch_size: int = 500) -> int:
    """The ledger rows that explain imported balances: ``(user_id, balance - starting balance)``
    each (the balances themselves came with the imported users)."""
    rows = [UsageLog(user_id=user_id, credits=amount, reason=LedgerReason.IMPORT, note=note[:500])
            for user_id, amount in balances]
    UsageLog.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
