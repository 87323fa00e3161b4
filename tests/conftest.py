import pytest
from django.core.cache import cache
from django.db import connections

from tests.factories import UserFactory  # noqa: F401  (re-exported for tests)


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth's rate limits and anonymous sessions live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def password():
    return UserFactory.password


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Before the test database is dropped: close the PostgreSQL pool, and end sessions
    still held by live-server request threads (they keep a pooled connection checked out
    until the thread dies), so teardown does not find the database in use."""
    yield
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
