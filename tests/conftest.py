"""Fixtures every test folder shares. Test data builders are in tests/factories.py; processes,
servers and waiting in tests/support.py."""

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections

from audio.engines import get_engine, registry
from tests.factories import UserFactory
from tests.support import API_KEY, EngineServer, SeaweedFS


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


def pytest_collection_modifyitems(items):
    """Mark the tests that never touch the database `no_db`: CI runs them once (on SQLite), not
    once per database (pytest -m "not no_db" on PostgreSQL and MariaDB)."""
    for item in items:
        if item.get_closest_marker("django_db") is None and not DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.no_db)


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth's rate limits and anonymous sessions live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _mail_goes_through_the_queue(settings):
    """As deployed: sending mail stores and queues it (accounts/mail.py); the worker's mailer is
    Django's test outbox (the test runner would make every mailer the outbox, queue included).
    tests/mail.sent_mail() runs the mail queue and returns the outbox."""
    settings.MAILERS = {
        "default": {"BACKEND": "accounts.mail_backend.QueuedEmailBackend"},
        "outgoing": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def rich_user(db):
    return UserFactory(credits=10000)


@pytest.fixture
def password():
    return UserFactory.password


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def engine_server(settings):
    """engine_server(service, engine=None, timeout=30, fail_times=0, fail_always=False,
    stall=False): the project's inference server for `service` on a free port, with the
    service routed to it (so get_engine(service) is its HTTP engine). The one engine-server
    fixture: stopped at the end of the test, or earlier with `.close()`."""
    servers = []

    def start(service: str = "styletts2", *, timeout: float = 30, **behaviour) -> EngineServer:
        server = EngineServer(service, **behaviour)
        servers.append(server)
        settings.BACKEND_API_KEY = API_KEY
        settings.ENGINE_TIMEOUT_SECONDS = timeout
        setattr(settings, registry.get(service).route_setting, server.url)  # engines are cached per route
        server.engine = get_engine(service)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def no_backoff(monkeypatch):
    from audio import generation

    monkeypatch.setattr(generation, "RETRY_BACKOFF_SECONDS", (0, 0, 0))


def stored_files(prefix: str) -> list[str]:
    try:
        return default_storage.listdir(prefix)[1]
    except FileNotFoundError:
        return []


BUCKET = "bernie-test-audio"


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real S3 server: SeaweedFS's `weed mini` on free local ports, for the whole session."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"), BUCKET)
    try:
        server.start()
        yield {"endpoint": server.endpoint, "bucket": BUCKET, "client": server.client,
               "access_key": server.ACCESS_KEY, "secret_key": server.SECRET_KEY, "env": dict(server.env)}
    finally:
        server.stop()


@pytest.fixture
def s3_storage(settings, seaweedfs, monkeypatch):
    """Django's default storage on the SeaweedFS bucket, configured by settings' own S3 branch
    (default_storage_from_env) from the variables a deployment sets."""
    from elevenlabs_bernie.settings import default_storage_from_env

    for name, value in seaweedfs["env"].items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}
    return seaweedfs


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
