"""Move users and their data over from the original Next.js/Prisma app's database.

Reads Prisma's tables ("User", "Account", "Session", "VerificationToken", "Post",
"GeneratedAudioClip", camelCase columns) through the plain DB-API driver of the source
(sqlite3, psycopg, MySQLdb) and writes through the ORM, in one transaction.

* Ids are kept (users, accounts, sessions, posts, clips); rows whose id already exists
  are skipped, so a second run imports nothing new.
* Passwords: the raw bcrypt hash is stored as is (``$2a$10$…``); ``User.check_password``
  verifies it (accounts.hashers.verify_raw_bcrypt) and re-encodes it with the project's bcrypt
  hasher on the first sign-in.
  Users without a password (OAuth-only) get an unusable password.
* Emails are stored in their normal form (accounts/emails.py: NFKC, lower case, IDNA domain);
  a user whose address (in any spelling) already belongs to another user is skipped, and so is
  one whose address a sign-up would refuse (a non-ASCII part before the @, unless
  ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS is on: then a second run imports them).
* Credits are kept; one ``UsageLog`` IMPORT row per user records ``credits - 10000`` so the
  ledger invariant (10000 + sum of deltas == credits) holds.
* Sessions: NextAuth's session tokens cannot become Django sessions (different cookie,
  no session data). Unexpired ones are imported for the record with empty session data,
  so they sign nobody in and lapse at their expiry; expired ones are skipped.
* Verification tokens: unexpired ones are imported as they are (NextAuth stored them hashed
  with its own secret, so they cannot be redeemed here either); expired ones are skipped.
* Clips keep their S3 keys and status; their cost is 0 (charged in the old app), so they
  can never be refunded here.
* ``dry_run`` runs the whole import and rolls it back, so its counts are exact.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from accounts import emails
from accounts.models import STARTING_CREDITS, Account, Session, User, VerificationToken
from audio.models import GeneratedAudioClip, Service
from credits.services import record_imports
from elevenlabs_bernie import database_url
from posts.models import Post

IMPORT_NOTE = "Balance imported from the original app"
IMPORTED_SESSION_AGENT = "Imported from the original app (sign in again)"
BATCH = 500
TABLES = ("users", "accounts", "sessions", "verification tokens", "posts", "clips", "ledger rows")


class ImportSourceError(Exception):
    """The source database cannot be read; the message is one line for the operator."""


class _Rollback(Exception):
    pass


@dataclass
class Summary:
    source: str
    dry_run: bool
    imported: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    seen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    skipped: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def skip(self, table: str, reason: str, row_id) -> None:
        self.skipped[table][reason].append(str(row_id))

    def skipped_count(self, table: str) -> int:
        return sum(len(ids) for ids in self.skipped.get(table, {}).values())

    def lines(self, *, examples: int = 5) -> list[str]:
        head = f"Import from {self.source}" + (" (dry run: nothing was written)" if self.dry_run else "")
        out = [head, f"  {'table':<20} {'in source':>9} {'imported':>9} {'skipped':>8}"]
        for table in TABLES:
            seen = self.seen[table] if table != "ledger rows" else ""
            out.append(f"  {table:<20} {seen!s:>9} {self.imported[table]:>9} {self.skipped_count(table):>8}")
        reasons = [(t, r, ids) for t in TABLES for r, ids in self.skipped.get(t, {}).items()]
        if reasons:
            out.append("Skipped:")
            for table, reason, ids in reasons:
                shown = ", ".join(ids[:examples]) + (f", … ({len(ids) - examples} more)" if len(ids) > examples else "")
                out.append(f"  {table}: {len(ids)} {reason}: {shown}")
        return out


# -- reading the source -----------------------------------------------------------------


class Source:
    """A read-only DB-API connection to the Prisma database, with identifier quoting."""

    def __init__(self, url: str):
        try:
            config = database_url.parse(url, base_dir=Path(settings.BASE_DIR))
        except database_url.DatabaseURLError as exc:
            raise ImportSourceError(str(exc).replace("DATABASE_URL", "source URL")) from None
        engine = config["ENGINE"].rsplit(".", 1)[-1]
        self.vendor = {"sqlite3": "sqlite", "postgresql": "postgresql", "mysql": "mysql"}[engine]
        try:
            if self.vendor == "sqlite":
                path = config["NAME"]
                if path != ":memory:" and not Path(path).is_file():
                    raise ImportSourceError(f"No SQLite database at {path}.")
                self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            elif self.vendor == "postgresql":
                import psycopg

                self.conn = psycopg.connect(
                    dbname=config["NAME"], user=config["USER"] or None, password=config["PASSWORD"] or None,
                    host=config["HOST"] or None, port=config["PORT"] or None, connect_timeout=10,
                )
                self.conn.read_only = True
            else:
                import MySQLdb

                kwargs = {"db": config["NAME"], "user": config["USER"], "passwd": config["PASSWORD"],
                          "host": config["HOST"] or "localhost", "charset": "utf8mb4", "connect_timeout": 10}
                if config["PORT"]:
                    kwargs["port"] = int(config["PORT"])
                self.conn = MySQLdb.connect(**kwargs)
        except ImportSourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - driver errors differ; one clear line
            raise ImportSourceError(f"Cannot open the source database: {type(exc).__name__}: {exc}".strip()) from None
        self.label = _redact(url)

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.vendor == "mysql" else f'"{name}"'

    def rows(self, table: str, columns: list[str]) -> list[dict]:
        sql = f"SELECT {', '.join(self.quote(c) for c in columns)} FROM {self.quote(table)}"
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        except Exception as exc:  # noqa: BLE001
            raise ImportSourceError(f"Cannot read table {table!r} from the source: {exc}") from None
        finally:
            cursor.close()

    def close(self) -> None:
        self.conn.close()


def _redact(url: str) -> str:
    """The URL without its password, for the summary."""
    if "://" in url and "@" in url.split("://", 1)[1]:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}{':***' if ':' in credentials else ''}@{host}"
    return url


def _datetime(value) -> datetime | None:
    """Prisma's DateTime as each driver returns it: a datetime, an ISO string, or (SQLite) epoch ms."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value
        result = datetime.fromtimestamp(seconds, tz=UTC)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        if text.isdigit():
            return _datetime(int(text))
        result = datetime.fromisoformat(text)
    if timezone.is_naive(result):
        result = result.replace(tzinfo=UTC)  # Prisma stores UTC
    return result


def _password(raw: str | None) -> str:
    if raw and raw.startswith(("$2a$", "$2b$", "$2y$")):
        return raw  # verified by User.check_password (verify_raw_bcrypt), upgraded on sign-in
    return make_password(None)  # unusable: OAuth-only user, or a hash we cannot verify


def _existing(model, field_name: str, values) -> set:
    values = [v for v in values if v is not None]
    found = set()
    for i in range(0, len(values), BATCH):
        found.update(model.objects.filter(**{f"{field_name}__in": values[i : i + BATCH]}).values_list(field_name, flat=True))
    return found


# -- the import -------------------------------------------------------------------------


def import_prisma(url: str, *, dry_run: bool = False) -> Summary:
    source = Source(url)
    summary = Summary(source=source.label, dry_run=dry_run)
    try:
        data = {
            "users": source.rows("User", ["id", "name", "email", "emailVerified", "image", "password", "credits"]),
            "accounts": source.rows("Account", [
                "id", "userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at",
                "token_type", "scope", "id_token", "session_state", "refresh_token_expires_in"]),
            "sessions": source.rows("Session", ["id", "sessionToken", "userId", "expires"]),
            "verification tokens": source.rows("VerificationToken", ["identifier", "token", "expires"]),
            "posts": source.rows("Post", ["id", "name", "createdAt", "updatedAt", "createdById"]),
            "clips": source.rows("GeneratedAudioClip", [
                "id", "userId", "text", "voice", "originalVoiceS3Key", "s3Key", "service", "failed", "createdAt"]),
        }
    finally:
        source.close()
    for table, rows in data.items():
        summary.seen[table] = len(rows)
    try:
        with transaction.atomic():
            _write(data, summary)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if not dry_run and summary.imported["posts"] and connection.vendor == "postgresql":
        _reset_sequences([Post])
    return summary


def _write(data: dict, summary: Summary) -> None:
    now = timezone.now()
    user_ids = _import_users(data["users"], summary)
    _import_accounts(data["accounts"], user_ids, summary)
    _import_sessions(data["sessions"], user_ids, summary, now=now)
    _import_tokens(data["verification tokens"], summary, now=now)
    _import_posts(data["posts"], user_ids, summary)
    _import_clips(data["clips"], user_ids, summary)


def _import_users(rows: list[dict], summary: Summary) -> set[str]:
    """Create the new users; return every source user id that now exists here (new or earlier)."""
    ids = [r["id"] for r in rows]
    present = _existing(User, "id", ids)
    emails_taken = _existing(User, "email", [emails.normalize(r["email"]) if r["email"] else None for r in rows])
    users, ledger, seen_emails = [], [], set()
    for row in rows:
        if row["id"] in present:
            summary.skip("users", "already imported (same id)", row["id"])
            continue
        email = None
        if (row["email"] or "").strip():
            try:
                email = emails.clean(row["email"])
            except ValidationError as exc:
                summary.skip("users", f"email address refused ({exc.messages[0]})", f"{row['id']} <{row['email']}>")
                continue
        if email and (email in emails_taken or email in seen_emails):
            summary.skip("users", "email already belongs to another user", f"{row['id']} <{email}>")
            continue
        credits = int(row["credits"] if row["credits"] is not None else STARTING_CREDITS)
        if credits < 0:
            summary.skip("users", "negative credits (not allowed here)", row["id"])
            continue
        if email:
            seen_emails.add(email)
        users.append(User(
            id=row["id"], name=row["name"], email=email, email_verified=_datetime(row["emailVerified"]),
            image=row["image"], password=_password(row["password"]), credits=credits,
        ))
        if credits != STARTING_CREDITS:
            ledger.append((row["id"], credits - STARTING_CREDITS))
    User.objects.bulk_create(users, batch_size=BATCH)
    record_imports(ledger, note=IMPORT_NOTE, batch_size=BATCH)
    summary.imported["users"] = len(users)
    summary.imported["ledger rows"] = len(ledger)
    return present | {u.id for u in users}


def _import_accounts(rows: list[dict], user_ids: set[str], summary: Summary) -> None:
    present = _existing(Account, "id", [r["id"] for r in rows])
    taken = set(Account.objects.values_list("provider", "provider_account_id"))
    accounts = []
    for row in rows:
        key = (row["provider"], row["providerAccountId"])
        if row["id"] in present:
            summary.skip("accounts", "already imported (same id)", row["id"])
        elif row["userId"] not in user_ids:
            summary.skip("accounts", "user not imported", row["id"])
        elif key in taken:
            summary.skip("accounts", "provider account already linked to a user", row["id"])
        else:
            taken.add(key)
            accounts.append(Account(
                id=row["id"], user_id=row["userId"], type=row["type"], provider=row["provider"],
                provider_account_id=row["providerAccountId"], refresh_token=row["refresh_token"],
                access_token=row["access_token"], expires_at=row["expires_at"], token_type=row["token_type"],
                scope=row["scope"], id_token=row["id_token"], session_state=row["session_state"],
                refresh_token_expires_in=row["refresh_token_expires_in"],
            ))
    Account.objects.bulk_create(accounts, batch_size=BATCH)
    summary.imported["accounts"] = len(accounts)


def _import_sessions(rows: list[dict], user_ids: set[str], summary: Summary, *, now: datetime) -> None:
    present = _existing(Session, "id", [r["id"] for r in rows])
    tokens = _existing(Session, "session_token", [r["sessionToken"] for r in rows])
    sessions = []
    for row in rows:
        expires = _datetime(row["expires"])
        if row["id"] in present or row["sessionToken"] in tokens:
            summary.skip("sessions", "already imported (same id or token)", row["id"])
        elif expires is None or expires <= now:
            summary.skip("sessions", "expired", row["id"])
        elif row["userId"] not in user_ids:
            summary.skip("sessions", "user not imported", row["id"])
        else:
            tokens.add(row["sessionToken"])
            # Empty session data: a record of the old sign-in, never a way in (see module doc).
            sessions.append(Session(id=row["id"], session_token=row["sessionToken"], user_id=row["userId"],
                                    expires=expires, session_data="", user_agent=IMPORTED_SESSION_AGENT))
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    summary.imported["sessions"] = len(sessions)


def _import_tokens(rows: list[dict], summary: Summary, *, now: datetime) -> None:
    present = _existing(VerificationToken, "token", [r["token"] for r in rows])
    tokens = []
    for row in rows:
        expires = _datetime(row["expires"])
        if row["token"] in present:
            summary.skip("verification tokens", "already imported (same token)", row["identifier"])
        elif expires is None or expires <= now:
            summary.skip("verification tokens", "expired", row["identifier"])
        else:
            present.add(row["token"])
            tokens.append(VerificationToken(identifier=row["identifier"], token=row["token"], expires=expires))
    VerificationToken.objects.bulk_create(tokens, batch_size=BATCH)
    summary.imported["verification tokens"] = len(tokens)


def _import_posts(rows: list[dict], user_ids: set[str], summary: Summary) -> None:
    present = _existing(Post, "id", [r["id"] for r in rows])
    posts, times = [], {}
    for row in rows:
        if row["id"] in present:
            summary.skip("posts", "already imported (same id)", row["id"])
        elif row["createdById"] not in user_ids:
            summary.skip("posts", "author not imported", row["id"])
        else:
            created = _datetime(row["createdAt"]) or timezone.now()
            times[int(row["id"])] = (created, _datetime(row["updatedAt"]) or created)
            posts.append(Post(id=int(row["id"]), name=row["name"], created_by_id=row["createdById"]))
    Post.objects.bulk_create(posts, batch_size=BATCH)
    # auto_now / auto_now_add overwrite the times on create; bulk_update writes them back.
    for post in posts:
        post.created_at, post.updated_at = times[post.id]
    Post.objects.bulk_update(posts, ["created_at", "updated_at"], batch_size=BATCH)
    summary.imported["posts"] = len(posts)


def _import_clips(rows: list[dict], user_ids: set[str], summary: Summary) -> None:
    present = _existing(GeneratedAudioClip, "id", [r["id"] for r in rows])
    services = set(Service.values)
    clips = []
    for row in rows:
        if row["id"] in present:
            summary.skip("clips", "already imported (same id)", row["id"])
        elif row["userId"] not in user_ids:
            summary.skip("clips", "user not imported", row["id"])
        elif row["service"] not in services:
            summary.skip("clips", f"unknown service {row['service']!r}", row["id"])
        else:
            failed = bool(row["failed"])
            clips.append(GeneratedAudioClip(
                id=row["id"], user_id=row["userId"], text=row["text"], voice=row["voice"],
                original_voice_s3_key=row["originalVoiceS3Key"], s3_key=row["s3Key"] or None,
                service=row["service"], failed=failed, created_at=_datetime(row["createdAt"]) or timezone.now(),
                cost=0, error="Failed in the original app." if failed else "",
            ))
    GeneratedAudioClip.objects.bulk_create(clips, batch_size=BATCH)
    summary.imported["clips"] = len(clips)


def _reset_sequences(models: list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
