import os
import subprocess
import sys
from pathlib import Path

import pytest

from elevenlabs_bernie.database_url import DatabaseURLError, check_pooled_connection, parse

BASE = Path("/srv/app")


class TestDatabaseURL:
    def test_unset_is_sqlite_dev_db_in_the_project_root(self):
        for value in (None, "", "  "):
            config = parse(value, base_dir=BASE)
            assert config["ENGINE"] == "django.db.backends.sqlite3"
            assert config["NAME"] == "/srv/app/dev.db"

    def test_sqlite_waits_for_writers_instead_of_failing(self):
        options = parse(None, base_dir=BASE)["OPTIONS"]

        assert options["transaction_mode"] == "IMMEDIATE"
        assert options["timeout"] >= 5
        assert "journal_mode=WAL" in options["init_command"]

    def test_prisma_file_form_is_relative_to_the_project_root(self):
        assert parse("file:./dev.db", base_dir=BASE)["NAME"] == "/srv/app/dev.db"
        assert parse("file:./data/app.db", base_dir=BASE)["NAME"] == "/srv/app/data/app.db"
        assert parse("file:/var/lib/app.db", base_dir=BASE)["NAME"] == "/var/lib/app.db"

    def test_sqlite_urls(self):
        assert parse("sqlite:///local.db", base_dir=BASE)["NAME"] == "/srv/app/local.db"
        assert parse("sqlite:////tmp/abs.db", base_dir=BASE)["NAME"] == "/tmp/abs.db"
        assert parse("sqlite://:memory:", base_dir=BASE)["NAME"] == ":memory:"

    @pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
    def test_postgres(self, scheme):
        config = parse(f"{scheme}://bob:s%40cret@db.internal:6432/bernie?connection_limit=7", base_dir=BASE)

        assert config["ENGINE"] == "django.db.backends.postgresql"
        assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("bernie", "bob", "s@cret")
        assert (config["HOST"], config["PORT"]) == ("db.internal", "6432")
        assert config["OPTIONS"]["pool"]["max_size"] == 7

    def test_postgres_pool_has_a_default_size(self):
        config = parse("postgresql://postgres@127.0.0.1/test", base_dir=BASE)

        assert config["OPTIONS"]["pool"]["max_size"] == 10
        assert config["PORT"] == ""

    def test_postgres_pool_checks_connections_and_gives_up_reconnecting_quickly(self):
        config = parse("postgresql://postgres@127.0.0.1/test", base_dir=BASE)

        assert config["CONN_HEALTH_CHECKS"] is True
        pool = config["OPTIONS"]["pool"]
        assert pool["check"] is check_pooled_connection
        assert config["OPTIONS"]["tcp_user_timeout"] > 0 and config["OPTIONS"]["keepalives"] == 1
        assert (pool["timeout"], pool["reconnect_timeout"]) == (10, 5)
        assert config["OPTIONS"]["connect_timeout"] == 5

    def test_prisma_timeouts_set_the_pool_wait_and_the_connect_timeout(self):
        config = parse("postgresql://u@h/db?pool_timeout=3&connect_timeout=2", base_dir=BASE)

        assert config["OPTIONS"]["pool"]["timeout"] == 3
        assert config["OPTIONS"]["connect_timeout"] == 2
        assert parse("mysql://u@h/db?connect_timeout=4", base_dir=BASE)["OPTIONS"]["connect_timeout"] == 4

    def test_mysql(self):
        config = parse("mysql://root@127.0.0.1:3306/test?connection_limit=5", base_dir=BASE)

        assert config["ENGINE"] == "django.db.backends.mysql"
        assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == ("test", "root", "127.0.0.1", "3306")
        assert config["OPTIONS"]["charset"] == "utf8mb4"
        assert config["CONN_MAX_AGE"] > 0
        assert config["CONN_HEALTH_CHECKS"] is True
        assert config["OPTIONS"]["connect_timeout"] == 5

    @pytest.mark.parametrize(
        "url, words",
        [
            ("mongodb://localhost/db", "not supported"),
            ("postgresql://127.0.0.1", "database name"),
            ("postgresql:///test", "host"),
            ("mysql://root@127.0.0.1:notaport/test", "malformed"),
            ("postgresql://u@h/db?connection_limit=many", "whole number"),
            ("postgresql://u@h/db?connection_limit=0", "at least 1"),
            ("postgresql://u@h/db?pool_timeout=soon", "whole number"),
            ("file:", "needs a path"),
            ("sqlite://", "needs a file"),
            ("just some words", "not a URL"),
        ],
    )
    def test_bad_urls_give_one_clear_message(self, url, words):
        with pytest.raises(DatabaseURLError) as error:
            parse(url, base_dir=BASE)

        assert words in str(error.value)
        assert "\n" not in str(error.value)


def _manage(*args, **env):
    root = Path(__file__).resolve().parents[2]
    test_only = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                 "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS"}
    full_env = {k: v for k, v in os.environ.items() if k not in test_only}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=full_env, capture_output=True, text=True, timeout=120
    )


class TestStartUp:
    def test_a_bad_database_url_stops_start_up_with_one_line(self):
        result = _manage("check", DATABASE_URL="mongodb://x/y", SECRET_KEY="k" * 50)

        assert result.returncode != 0
        assert result.stderr.strip() == "error: DATABASE_URL scheme 'mongodb' is not supported (use postgresql://, postgres://, mysql://, sqlite:/// or file:)"

    def test_secret_key_is_required_when_debug_is_off(self):
        result = _manage("check", DEBUG="0")

        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr

    def test_check_deploy_is_clean_with_production_variables(self):
        result = _manage(
            "check", "--deploy", "--fail-level", "WARNING",
            DEBUG="0", SECRET_KEY="Zq8#r2L!vX9@pT4$wN7^bK1&mF6*hJ3(sD5)gA0_cV2+eY8=uI4~oP7",
            ALLOWED_HOSTS="bernie.example.com", EMAIL_HOST="smtp.example.com",
        )

        assert result.returncode == 0, result.stderr + result.stdout
