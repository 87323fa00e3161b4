from django.core.management.base import BaseCommand, CommandError

from accounts import api_keys
from accounts.models import User


class Command(BaseCommand):
    help = "Make an API key for a user. The key is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="API key", help="What the key is for (shown on My Account).")
        parser.add_argument("--credit-limit", type=int, default=None,
                            help="Most credits the key may spend (default: the user's whole balance).")

    def handle(self, *args, email, name, credit_limit, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email address {email}.")
        try:
            key, raw = api_keys.api_key_create(user=user, name=name, credit_limit=credit_limit)
        except api_keys.ApiKeyError as exc:
            raise CommandError(str(exc)) from None
        limit = "no limit" if key.credit_limit is None else f"a limit of {key.credit_limit:,} credits"
        self.stderr.write(f"Key “{key.name}” for {user.email}, with {limit}. It is shown once; keep it safe.")
        self.stdout.write(raw)
