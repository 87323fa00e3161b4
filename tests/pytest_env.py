"""Loaded with ``-p tests.pytest_env`` (pytest.ini) so it runs before Django is configured.

Tests run with DEBUG off, as production does, but need a key; media and cache go to
throwaway folders so a run never touches the developer's files.
"""

import os
import tempfile

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    tmp = tempfile.mkdtemp(prefix="bernie-tests-")
    defaults = {
        "SECRET_KEY": "tests-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "MEDIA_ROOT": os.path.join(tmp, "media"),
        "CACHE_DIR": os.path.join(tmp, "cache"),
        "ENV_FILE": "",  # the developer's .env is not read
        "STATIC_MANIFEST": "0",  # no collectstatic before the tests
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    if not os.environ.get("DATABASE_URL"):
        # SQLite: a database file of this run's own (its test copy sits beside it), so
        # runs in one checkout at the same time do not share a test database.
        os.environ["DATABASE_URL"] = f"file:{os.path.join(tmp, 'dev.db')}"
