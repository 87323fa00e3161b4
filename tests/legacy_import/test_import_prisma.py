import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Account, Session, User, VerificationToken
from audio.models import GeneratedAudioClip
from credits.models import LedgerReason, UsageLog
from posts.models import Post
from tests.factories import UserFactory
from tests.legacy_import.prisma_source import PASSWORDS, MysqlSource, PostgresSource, make_sqlite

pytestmark = pytest.mark.django_db(transaction=True)

COUNTS_FIRST_RUN = {
    "users": (4, 3, 1), "accounts": (1, 1, 0), "sessions": (2, 1, 1), "verification tokens": (2, 1, 1),
    "posts": (3, 2, 1), "clips": (4, 3, 1),
}


def _run(url, *args) -> str:
    out = StringIO()
    call_command("import_prisma", url, *args, stdout=out)
    return out.getvalue()


def _table(output: str) -> dict[str, tuple[int, int, int]]:
    rows = {}
    for line in output.splitlines():
        parts = line.strip().rsplit(None, 3)
        if len(parts) == 4 and parts[0] in COUNTS_FIRST_RUN:
            rows[parts[0]] = tuple(int(p) for p in parts[1:])
    return rows


@pytest.fixture
def sqlite_source(tmp_path):
    return make_sqlite(tmp_path / "prisma-dev.db")


@pytest.fixture
def postgresql_source():
    with PostgresSource() as url:
        yield url


@pytest.fixture
def mysql_source():
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("mysqlclient is not installed (pip install -r requirements-mysql.txt)")
    with MysqlSource() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def source(request):
    return request.getfixturevalue(f"{request.param}_source")


@pytest.fixture
def taken(db):
    return UserFactory(email="taken@example.com")


class TestImportPrisma:
    def test_imports_everything_once_and_users_sign_in_with_their_old_passwords(self, source, taken, client):
        first = _run(source)
        second = _run(source)

        assert _table(first) == COUNTS_FIRST_RUN
        assert all(imported == 0 for _seen, imported, _skipped in _table(second).values())
        assert "email already belongs to another user: cltaken00000000000000004 <taken@example.com>" in first
        assert "already imported (same id)" in second
        assert User.objects.count() == 4  # three imported + the existing one
        assert (Account.objects.count(), Session.objects.count(), VerificationToken.objects.count()) == (1, 1, 1)
        assert (Post.objects.count(), GeneratedAudioClip.objects.count()) == (2, 3)

        alice = User.objects.get(pk="clalice0000000000000001")
        assert alice.email == "alice@example.com" and alice.credits == 9850 and alice.password.startswith("$2a$10$")
        assert alice.email_verified is not None
        assert list(UsageLog.objects.filter(user=alice).values_list("credits", "reason", "note")) == [
            (-150, LedgerReason.IMPORT, "Balance imported from the original app")
        ]
        for user in User.objects.filter(pk__in=["clalice0000000000000001", "clbob000000000000000002"]):
            assert 10000 + sum(user.usage_logs.values_list("credits", flat=True)) == user.credits
        assert not User.objects.get(pk="clcarol00000000000000003").has_usable_password()

        clip = GeneratedAudioClip.objects.get(pk="clclip00000000000000002")
        assert (clip.status, clip.original_voice_s3_key, clip.cost) == ("failed", "seed-vc-audio-uploads/aa.wav", 0)
        assert GeneratedAudioClip.objects.get(pk="clclip00000000000000001").s3_key == "styletts2-output/0b6c.wav"
        post = Post.objects.get(pk=1)
        assert (post.created_by_id, post.name) == ("clalice0000000000000001", "Hello from the old app")
        assert (post.updated_at - post.created_at).days == 1
        assert Post.objects.create(name="New here", created_by=alice).pk > 2  # the id sequence moved past the import
        session = Session.objects.get()
        assert session.session_data == ""

        response = client.post(
            reverse("account_login"), {"login": "ALICE@example.com", "password": PASSWORDS["alice"]}
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        assert client.session.get("_auth_user_id") == "clalice0000000000000001"
        assert User.objects.get(pk=alice.pk).password.startswith("bcrypt$$2b$10$")  # upgraded on sign-in

    def test_an_imported_session_signs_nobody_in(self, sqlite_source, client, settings):
        _run(sqlite_source)
        client.cookies[settings.SESSION_COOKIE_NAME] = "next-auth-token-live"

        response = client.get(reverse("audio:text_to_speech"))

        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_wrong_old_password_is_refused(self, sqlite_source, client):
        _run(sqlite_source)

        response = client.post(reverse("account_login"), {"login": "bob@example.com", "password": "not it"})

        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_dry_run_reports_but_writes_nothing(self, sqlite_source, taken):
        output = _run(sqlite_source, "--dry-run")

        assert "dry run" in output
        assert _table(output) == COUNTS_FIRST_RUN
        assert User.objects.count() == 1 and not Post.objects.exists() and not UsageLog.objects.exists()

    def test_a_missing_source_is_one_clear_error(self, tmp_path):
        with pytest.raises(CommandError, match="No SQLite database at"):
            _run(f"file:{tmp_path}/nope.db")
