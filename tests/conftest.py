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
def _close_connection_pools(django_db_setup):
    """Return pooled PostgreSQL connections (left by live-server threads) before the test
    database is dropped, so teardown does not find it still in use."""
    yield
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()
