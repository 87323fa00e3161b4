"""A database in the original app's Prisma schema (DDL as `prisma migrate` writes it), filled with sample rows."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import bcrypt

PASSWORDS = {"alice": "old-node-password-1", "bob": "bob's Node p4ssword"}

SQLITE_DDL = """
CREATE TABLE "Post" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "createdById" TEXT NOT NULL,
    CONSTRAINT "Post_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE TABLE "Account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,
    "refresh_token_expires_in" INTEGER,
    CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" DATETIME NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "email" TEXT,
    "emailVerified" DATETIME,
    "image" TEXT,
    "password" TEXT,
    "credits" INTEGER NOT NULL DEFAULT 10000
);
CREATE TABLE "VerificationToken" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" DATETIME NOT NULL
);
CREATE TABLE "GeneratedAudioClip" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "text" TEXT,
    "voice" TEXT,
    "originalVoiceS3Key" TEXT,
    "s3Key" TEXT,
    "service" TEXT NOT NULL,
    "failed" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "GeneratedAudioClip_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "Post_name_idx" ON "Post"("name");
CREATE INDEX "Post_createdById_idx" ON "Post"("createdById");
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account"("provider", "providerAccountId");
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");
CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token");
CREATE INDEX "GeneratedAudioClip_userId_idx" ON "GeneratedAudioClip"("userId");
CREATE INDEX "GeneratedAudioClip_userId_service_createdAt_idx" ON "GeneratedAudioClip"("userId", "service", "createdAt");
CREATE INDEX "GeneratedAudioClip_service_failed_idx" ON "GeneratedAudioClip"("service", "failed");
"""

POSTGRES_DDL = """
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdById" TEXT NOT NULL,
    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Account" (
    "id" TEXT NOT NULL, "userId" TEXT NOT NULL, "type" TEXT NOT NULL, "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL, "refresh_token" TEXT, "access_token" TEXT, "expires_at" INTEGER,
    "token_type" TEXT, "scope" TEXT, "id_token" TEXT, "session_state" TEXT, "refresh_token_expires_in" INTEGER,
    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Session" (
    "id" TEXT NOT NULL, "sessionToken" TEXT NOT NULL, "userId" TEXT NOT NULL, "expires" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "User" (
    "id" TEXT NOT NULL, "name" TEXT, "email" TEXT, "emailVerified" TIMESTAMP(3), "image" TEXT, "password" TEXT,
    "credits" INTEGER NOT NULL DEFAULT 10000,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "VerificationToken" ("identifier" TEXT NOT NULL, "token" TEXT NOT NULL, "expires" TIMESTAMP(3) NOT NULL);
CREATE TABLE "GeneratedAudioClip" (
    "id" TEXT NOT NULL, "userId" TEXT NOT NULL, "text" TEXT, "voice" TEXT, "originalVoiceS3Key" TEXT, "s3Key" TEXT,
    "service" TEXT NOT NULL, "failed" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "GeneratedAudioClip_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");
ALTER TABLE "Post" ADD CONSTRAINT "Post_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Account" ADD CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GeneratedAudioClip" ADD CONSTRAINT "GeneratedAudioClip_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
"""


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10, prefix=b"2a")).decode()


def sample_rows(*, sqlite: bool) -> dict[str, list[dict]]:
    """The original app's data. On SQLite, Prisma stores DateTime as epoch milliseconds."""
    now = datetime.now(UTC).replace(microsecond=0)

    def when(delta: timedelta):
        moment = now + delta
        return int(moment.timestamp() * 1000) if sqlite else moment.replace(tzinfo=None)

    return {
        "User": [
            {"id": "clalice0000000000000001", "name": "Alice", "email": "Alice@Example.com", "emailVerified": when(-timedelta(days=30)),
             "image": None, "password": _hash(PASSWORDS["alice"]), "credits": 9850},
            {"id": "clbob000000000000000002", "name": "Bob", "email": "bob@example.com", "emailVerified": None,
             "image": "https://example.com/bob.png", "password": _hash(PASSWORDS["bob"]), "credits": 10000},
            {"id": "clcarol00000000000000003", "name": "Carol", "email": "carol@example.com", "emailVerified": None,
             "image": None, "password": None, "credits": 10000},
            {"id": "cltaken00000000000000004", "name": "Dup", "email": "taken@example.com", "emailVerified": None,
             "image": None, "password": _hash("whatever-pass"), "credits": 10000},
        ],
        "Account": [
            {"id": "clacct00000000000000001", "userId": "clcarol00000000000000003", "type": "oauth", "provider": "github",
             "providerAccountId": "4242", "refresh_token": None, "access_token": "gho_x", "expires_at": None,
             "token_type": "bearer", "scope": "read:user", "id_token": None, "session_state": None,
             "refresh_token_expires_in": None},
        ],
        "Session": [
            {"id": "clsess00000000000000001", "sessionToken": "next-auth-token-live", "userId": "clalice0000000000000001",
             "expires": when(timedelta(days=10))},
            {"id": "clsess00000000000000002", "sessionToken": "next-auth-token-old", "userId": "clbob000000000000000002",
             "expires": when(-timedelta(days=1))},
        ],
        "VerificationToken": [
            {"identifier": "bob@example.com", "token": "hashed-live-token", "expires": when(timedelta(hours=20))},
            {"identifier": "bob@example.com", "token": "hashed-old-token", "expires": when(-timedelta(hours=1))},
        ],
        "Post": [
            {"id": 1, "name": "Hello from the old app", "createdAt": when(-timedelta(days=60)), "updatedAt": when(-timedelta(days=59)),
             "createdById": "clalice0000000000000001"},
            {"id": 2, "name": "Second post", "createdAt": when(-timedelta(days=2)), "updatedAt": when(-timedelta(days=2)),
             "createdById": "clalice0000000000000001"},
            {"id": 7, "name": "By the duplicate", "createdAt": when(-timedelta(days=1)), "updatedAt": when(-timedelta(days=1)),
             "createdById": "cltaken00000000000000004"},
        ],
        "GeneratedAudioClip": [
            {"id": "clclip00000000000000001", "userId": "clalice0000000000000001", "text": "Hello there", "voice": "andreas",
             "originalVoiceS3Key": None, "s3Key": "styletts2-output/0b6c.wav", "service": "styletts2", "failed": False,
             "createdAt": when(-timedelta(days=3))},
            {"id": "clclip00000000000000002", "userId": "clalice0000000000000001", "text": None, "voice": "trump",
             "originalVoiceS3Key": "seed-vc-audio-uploads/aa.wav", "s3Key": None, "service": "seedvc", "failed": True,
             "createdAt": when(-timedelta(days=2))},
            {"id": "clclip00000000000000003", "userId": "clbob000000000000000002", "text": "dog barking", "voice": None,
             "originalVoiceS3Key": None, "s3Key": "make-an-audio-outputs/cc.wav", "service": "make-an-audio", "failed": False,
             "createdAt": when(-timedelta(hours=5))},
            {"id": "clclip00000000000000004", "userId": "cltaken00000000000000004", "text": "x", "voice": "andreas",
             "originalVoiceS3Key": None, "s3Key": None, "service": "styletts2", "failed": False,
             "createdAt": when(-timedelta(hours=1))},
        ],
    }


def _insert(cursor, quote, placeholder, rows: dict[str, list[dict]]) -> None:
    for table in ("User", "Account", "Session", "VerificationToken", "Post", "GeneratedAudioClip"):
        for row in rows[table]:
            columns = ", ".join(quote(c) for c in row)
            marks = ", ".join([placeholder] * len(row))
            cursor.execute(f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})", list(row.values()))


def make_sqlite(path) -> str:
    conn = sqlite3.connect(path)
    conn.executescript(SQLITE_DDL)
    _insert(conn.cursor(), lambda n: f'"{n}"', "?", sample_rows(sqlite=True))
    conn.commit()
    conn.close()
    return f"file:{path}"


class PostgresSource:
    """A throwaway database on the local PostgreSQL server, in Prisma's schema."""

    def __init__(self, host="127.0.0.1", port=5432, user="postgres"):
        import psycopg

        self.psycopg, self.params = psycopg, {"host": host, "port": port, "user": user}
        self.name = f"prisma_src_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        with self.psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        with self.psycopg.connect(dbname=self.name, **self.params) as conn:
            conn.execute(POSTGRES_DDL)
            _insert(conn.cursor(), lambda n: f'"{n}"', "%s", sample_rows(sqlite=False))
        p = self.params
        return f"postgresql://{p['user']}@{p['host']}:{p['port']}/{self.name}"

    def __exit__(self, *exc):
        with self.psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


MYSQL_DDL = [
    """CREATE TABLE `User` (`id` VARCHAR(191) NOT NULL, `name` VARCHAR(191) NULL, `email` VARCHAR(191) NULL,
        `emailVerified` DATETIME(3) NULL, `image` VARCHAR(191) NULL, `password` VARCHAR(191) NULL,
        `credits` INTEGER NOT NULL DEFAULT 10000,
        UNIQUE INDEX `User_email_key`(`email`), PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci""",
    """CREATE TABLE `Account` (`id` VARCHAR(191) NOT NULL, `userId` VARCHAR(191) NOT NULL, `type` VARCHAR(191) NOT NULL,
        `provider` VARCHAR(191) NOT NULL, `providerAccountId` VARCHAR(191) NOT NULL, `refresh_token` TEXT NULL,
        `access_token` TEXT NULL, `expires_at` INTEGER NULL, `token_type` VARCHAR(191) NULL, `scope` VARCHAR(191) NULL,
        `id_token` TEXT NULL, `session_state` VARCHAR(191) NULL, `refresh_token_expires_in` INTEGER NULL,
        UNIQUE INDEX `Account_provider_providerAccountId_key`(`provider`, `providerAccountId`), PRIMARY KEY (`id`),
        CONSTRAINT `Account_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE
        ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci""",
    """CREATE TABLE `Session` (`id` VARCHAR(191) NOT NULL, `sessionToken` VARCHAR(191) NOT NULL, `userId` VARCHAR(191) NOT NULL,
        `expires` DATETIME(3) NOT NULL, UNIQUE INDEX `Session_sessionToken_key`(`sessionToken`), PRIMARY KEY (`id`),
        CONSTRAINT `Session_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE
        ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci""",
    """CREATE TABLE `VerificationToken` (`identifier` VARCHAR(191) NOT NULL, `token` VARCHAR(191) NOT NULL,
        `expires` DATETIME(3) NOT NULL, UNIQUE INDEX `VerificationToken_token_key`(`token`),
        UNIQUE INDEX `VerificationToken_identifier_token_key`(`identifier`, `token`)
        ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci""",
    """CREATE TABLE `Post` (`id` INTEGER NOT NULL AUTO_INCREMENT, `name` VARCHAR(191) NOT NULL,
        `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), `updatedAt` DATETIME(3) NOT NULL,
        `createdById` VARCHAR(191) NOT NULL, INDEX `Post_name_idx`(`name`), PRIMARY KEY (`id`),
        CONSTRAINT `Post_createdById_fkey` FOREIGN KEY (`createdById`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE
        ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci""",
    """CREATE TABLE `GeneratedAudioClip` (`id` VARCHAR(191) NOT NULL, `userId` VARCHAR(191) NOT NULL, `text` TEXT NULL,
        `voice` VARCHAR(191) NULL, `originalVoiceS3Key` VARCHAR(191) NULL, `s3Key` VARCHAR(191) NULL,
        `service` VARCHAR(191) NOT NULL, `failed` BOOLEAN NOT NULL DEFAULT false,
        `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), INDEX `GeneratedAudioClip_userId_idx`(`userId`),
        PRIMARY KEY (`id`),
        CONSTRAINT `GeneratedAudioClip_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE
        ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci""",
]


class MysqlSource:
    """A throwaway database on the local MariaDB/MySQL server, in Prisma's schema."""

    def __init__(self, host="127.0.0.1", port=3306, user="root"):
        import MySQLdb

        self.mysql, self.params = MySQLdb, {"host": host, "port": port, "user": user}
        self.name = f"prisma_src_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        conn = self.mysql.connect(charset="utf8mb4", **self.params)
        cursor = conn.cursor()
        cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
        cursor.execute(f"USE `{self.name}`")
        for statement in MYSQL_DDL:
            cursor.execute(statement)
        _insert(cursor, lambda n: f"`{n}`", "%s", sample_rows(sqlite=False))
        conn.commit()
        conn.close()
        p = self.params
        return f"mysql://{p['user']}@{p['host']}:{p['port']}/{self.name}"

    def __exit__(self, *exc):
        conn = self.mysql.connect(**self.params)
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        conn.close()
