import pytest
from django.core.cache import cache

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
