import pytest

from ops import health
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HEALTHZ_CACHE_SECONDS = 0
    health.reset_cache()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client
