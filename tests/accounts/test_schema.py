"""The seed's schema, read back from the live database (SQLite, PostgreSQL or MariaDB)."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Account, Session, User
from audio.models import GeneratedAudioClip
from posts.models import Post

SEED_COLUMNS = {
    "accounts_user": {"id", "name", "email", "email_verified", "image", "password", "credits"},
    "accounts_account": {
        "id", "user_id", "type", "provider", "provider_account_id", "refresh_token", "access_token",
        "expires_at", "token_type", "scope", "id_token", "session_state", "refresh_token_expires_in",
    },
    "accounts_session": {"id", "session_token", "user_id", "expires"},
    "accounts_verificationtoken": {"identifier", "token", "expires"},
    "posts_post": {"id", "name", "created_at", "updated_at", "created_by_id"},
    "audio_generatedaudioclip": {
        "id", "user_id", "text", "voice", "original_voice_s3_key", "s3_key", "service", "failed", "created_at",
    },
    "audio_usagelog": {"id", "user_id", "service", "credits", "clip_id", "reason", "timestamp"},
}

NULLABLE = {
    ("accounts_user", "name"), ("accounts_user", "email"), ("accounts_user", "email_verified"),
    ("accounts_user", "image"), ("accounts_user", "password"),
    ("audio_generatedaudioclip", "text"), ("audio_generatedaudioclip", "voice"),
    ("audio_generatedaudioclip", "original_voice_s3_key"), ("audio_generatedaudioclip", "s3_key"),
}
NOT_NULL = {
    ("accounts_user", "credits"), ("accounts_session", "session_token"), ("accounts_session", "user_id"),
    ("accounts_session", "expires"), ("accounts_verificationtoken", "token"), ("accounts_verificationtoken", "identifier"),
    ("posts_post", "name"), ("posts_post", "created_by_id"), ("audio_generatedaudioclip", "service"),
    ("audio_generatedaudioclip", "failed"), ("audio_generatedaudioclip", "user_id"),
}


def _constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def _columns(table):
    with connection.cursor() as cursor:
        return {col.name: col for col in connection.introspection.get_table_description(cursor, table)}


def _has(table, columns, **flags):
    for info in _constraints(table).values():
        if info["columns"] == list(columns) and all(info.get(k) == v for k, v in flags.items()):
            return True
    return False


@pytest.mark.django_db
class TestSeedSchema:
    @pytest.mark.parametrize("table", sorted(SEED_COLUMNS))
    def test_every_seed_column_exists(self, table):
        columns = _columns(table)

        missing = SEED_COLUMNS[table] - set(columns)

        assert not missing, f"{table} lacks {missing}"

    def test_nullability_matches_the_seed(self):
        for table, column in NULLABLE:
            assert _columns(table)[column].null_ok, f"{table}.{column} should be nullable"
        for table, column in NOT_NULL:
            assert not _columns(table)[column].null_ok, f"{table}.{column} should be NOT NULL"

    def test_unique_constraints_exist(self):
        assert _has("accounts_user", ["email"], unique=True)
        assert _has("accounts_session", ["session_token"], unique=True)
        assert _has("accounts_verificationtoken", ["token"], unique=True)
        assert _has("accounts_verificationtoken", ["identifier", "token"], unique=True)
        assert _has("accounts_account", ["provider", "provider_account_id"], unique=True)
        assert _has("audio_usagelog", ["refund_of_id"], unique=True)

    def test_indexes_exist(self):
        assert _has("posts_post", ["name"], index=True)
        assert _has("posts_post", ["created_by_id"], index=True)
        assert _has("audio_generatedaudioclip", ["user_id"], index=True)
        assert _has("audio_generatedaudioclip", ["user_id", "service", "created_at"], index=True)
        assert _has("audio_generatedaudioclip", ["service", "failed"], index=True)

    def test_credits_check_constraint_exists_and_holds(self, user):
        checks = [name for name, info in _constraints("accounts_user").items() if info["check"]]
        assert "user_credits_not_negative" in checks

        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.filter(pk=user.pk).update(credits=-1)

        user.refresh_from_db()
        assert user.credits == 10000

    def test_defaults(self, user):
        clip = GeneratedAudioClip.objects.create(user=user, service="styletts2", text="hi", voice="andreas")

        assert user.credits == 10000
        assert clip.failed is False
        assert clip.created_at is not None
        assert len(user.pk) == 25 and user.pk.startswith("c")
        assert clip.pk != user.pk

    def test_imported_ids_are_kept_as_they_are(self):
        imported = User.objects.create(id="ckv9x0abc0000qwerty1234zz", email="old@example.com")
        uuid_like = User.objects.create(id="8d4c1e8e-3f55-4b0e-9a0e-6c9f5d8f2a11", email="uuid@example.com")

        assert User.objects.get(pk="ckv9x0abc0000qwerty1234zz") == imported
        assert User.objects.get(pk=uuid_like.pk).email == "uuid@example.com"


@pytest.mark.django_db
class TestDeletingAUser:
    def test_cascades_to_sessions_accounts_posts_and_clips(self, user):
        from datetime import timedelta

        from django.utils import timezone

        Session.objects.create(session_token="tok-1", user=user, expires=timezone.now() + timedelta(days=1))
        Account.objects.create(user=user, type="oauth", provider="github", provider_account_id="42")
        Post.objects.create(name="hello", created_by=user)
        GeneratedAudioClip.objects.create(user=user, service="styletts2", text="hi")

        user.delete()

        assert Session.objects.count() == 0
        assert Account.objects.count() == 0
        assert Post.objects.count() == 0
        assert GeneratedAudioClip.objects.count() == 0
