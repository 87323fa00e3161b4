"""schemathesis against /v1/openapi.json on a live server with a real worker: bounded, seeded
examples of every operation; no 5xx, and every answer (status, content type, body) as the
document says. Generate calls really queue clips, so they get fewer examples."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import finish_clip, request_clip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CHECKS = dict(excluded_checks=[schemathesis.checks.ignored_auth, schemathesis.checks.unsupported_method,
                                schemathesis.checks.negative_data_rejection, schemathesis.checks.positive_data_acceptance])
GENERATE = r"^/v1/(text-to-speech|voice-changer|speech-to-speech|sound-generation|audio/speech)"


@pytest.fixture
def api_schema(live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/v1/openapi.json")


@pytest.fixture
def key(key_for):
    user, raw = key_for(credits=100000)
    finish_clip(request_clip(user, "styletts2", text="Something to list.", voice="joe"))
    return raw


FAST = settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                database=None)
FEW = settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)


def fuzz(schema, headers: dict, budget) -> list[str]:
    """Run every operation of ``schema`` with ``budget`` examples; the operations it ran.
    (schemathesis' pytest loader cannot take a fixture's schema under pytest 9, so the
    operations are driven here.)"""
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @budget
        def check(case):
            case.call_and_validate(headers=headers, timeout=150, **CHECKS)

        check()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


def test_reading_endpoints_keep_to_the_document(api_schema, key):
    ran = fuzz(api_schema.exclude(path_regex=GENERATE), {"xi-api-key": key}, FAST)

    assert {"GET /v1/voices", "GET /v2/voices", "GET /v1/history", "POST /v1/history/download", "GET /v1/user"} <= set(ran)


def test_generate_endpoints_keep_to_the_document(api_schema, key, worker):
    ran = fuzz(api_schema.include(path_regex=GENERATE), {"xi-api-key": key, "Authorization": f"Bearer {key}"}, FEW)

    assert len(ran) == 10
