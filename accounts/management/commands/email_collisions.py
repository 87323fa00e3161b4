"""List accounts whose addresses are one mailbox (``dup@x.com`` and ``dup@ｘ.com``), and
addresses not stored in normal form; ``--normalise`` rewrites the latter where that joins no
two accounts. See accounts/emails.py."""

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import emails
from accounts.models import User


@dataclass
class Collision:
    """Users whose stored addresses share one normal form."""

    address: str
    users: dict[str, set[str]] = field(default_factory=dict)  # user id -> stored spellings


@dataclass
class Report:
    collisions: list[Collision]
    not_normal: list[tuple[str, str, str]]  # (user id, stored spelling, normal form)


def collisions() -> Report:
    """Every stored address (accounts_user.email and allauth's email addresses), grouped by
    normal form: the groups that span more than one user, and the spellings not in normal form."""
    stored: list[tuple[str, str]] = list(User.objects.exclude(email=None).exclude(email="").values_list("id", "email"))
    stored += list(EmailAddress.objects.values_list("user_id", "email"))
    groups: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    not_normal = set()
    for user_id, spelling in stored:
        normal = emails.normalize(spelling)
        groups[normal][user_id].add(spelling)
        if spelling != normal:
            not_normal.add((user_id, spelling, normal))
    found = [Collision(address, {uid: set(s) for uid, s in users.items()})
             for address, users in sorted(groups.items()) if len(users) > 1]
    return Report(collisions=found, not_normal=sorted(not_normal))


class Command(BaseCommand):
    help = "List users whose email addresses normalise to the same address (one mailbox, several accounts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--normalise", action="store_true",
            help="Rewrite stored addresses into their normal form, except those in a collision (resolve those by hand).",
        )

    def handle(self, *args, normalise: bool = False, **options):
        report = collisions()
        colliding = {c.address for c in report.collisions}
        for collision in report.collisions:
            self.stdout.write(f"{collision.address}: {len(collision.users)} accounts")
            users = User.objects.in_bulk(list(collision.users))
            for user_id, spellings in sorted(collision.users.items()):
                user = users.get(user_id)
                joined = f"joined {user.date_joined:%Y-%m-%d}" if user else "user gone"
                seen = f"last sign-in {user.last_login:%Y-%m-%d}" if user and user.last_login else "never signed in"
                self.stdout.write(f"  {user_id}  {', '.join(sorted(spellings))}  ({joined}, {seen})")
        pending = [row for row in report.not_normal if row[2] not in colliding]
        if pending:
            self.stdout.write(f"{len(pending)} address(es) not in normal form:")
            for user_id, spelling, normal in pending:
                self.stdout.write(f"  {user_id}  {spelling} -> {normal}")
        if normalise and pending:
            rewritten = self._normalise(pending)
            self.stdout.write(f"Rewrote {rewritten} address(es).")
        self.stdout.write(
            f"{len(report.collisions)} collision(s)"
            + (": merge, rename or remove those accounts by hand." if report.collisions else ".")
        )

    @transaction.atomic
    def _normalise(self, rows: list[tuple[str, str, str]]) -> int:
        rewritten = 0
        for user_id, spelling, normal in rows:
            rewritten += User.objects.filter(pk=user_id, email=spelling).update(email=normal)
            for variant in EmailAddress.objects.filter(user_id=user_id, email=spelling):
                # exclude(pk=...): a case-insensitive collation (MySQL) finds the variant itself.
                twin = EmailAddress.objects.filter(user_id=user_id, email=normal).exclude(pk=variant.pk).first()
                if twin is None:
                    variant.email = normal
                    variant.save(update_fields=["email"])
                else:  # the user has both spellings: keep one row, with the flags of both
                    variant.delete()
                    twin.primary = twin.primary or variant.primary
                    twin.verified = twin.verified or variant.verified
                    twin.save(update_fields=["primary", "verified"])
                rewritten += 1
        return rewritten
