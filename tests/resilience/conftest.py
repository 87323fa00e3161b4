"""Fixtures of the resilience tests; the outages themselves are in tests/resilience/outages.py."""

import pytest
from django.db import connection, connections

from ops import health
from tests.resilience.outages import MariaDBOutage, PostgresOutage


@pytest.fixture(autouse=True)
def _fresh_healthz(settings):
    """/healthz answers from what is true now, not from another test's cached checks."""
    settings.HEALTHZ_CACHE_SECONDS = 0
    health.reset_cache()


@pytest.fixture
def database_outage():
    vendor = connection.vendor
    if vendor == "postgresql":
        outage = PostgresOutage()
    elif vendor == "mysql":
        outage = MariaDBOutage()
    else:
        pytest.skip("needs PostgreSQL or MariaDB (DATABASE_URL); CI runs it in those legs")
    yield outage
    outage.close()
    connections.close_all()  # this process's own connection died in the outage too
