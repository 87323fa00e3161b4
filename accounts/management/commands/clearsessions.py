from django.core.management.base import BaseCommand

from accounts.sessions import SessionStore


class Command(BaseCommand):
    help = "Delete expired browser sessions."

    def handle(self, **options):
        SessionStore.clear_expired()
