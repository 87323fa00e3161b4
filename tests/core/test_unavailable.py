"""What an outage looks like to a client: the 503 answer's shape by path and Accept header, and
the 500 handler giving the same answer for an outage raised outside a view."""

import json

import pytest
from django.db import OperationalError

from core.unavailable import DependencyUnavailable
from elevenlabs_bernie.middleware import unavailable_response
from elevenlabs_bernie.views import server_error

STORAGE_DOWN = "The audio storage is unavailable right now; try again shortly."


@pytest.mark.parametrize("path, accept, body", [
    ("/v1/text-to-speech/joe", "", {"detail": {"status": "service_unavailable", "code": "service_unavailable",
                                               "message": STORAGE_DOWN}}),
    ("/v2/voices", "", {"detail": {"status": "service_unavailable", "code": "service_unavailable",
                                   "message": STORAGE_DOWN}}),
    ("/v1/audio/speech", "", {"error": {"message": STORAGE_DOWN, "type": "server_error", "param": None,
                                        "code": "service_unavailable"}}),
    ("/app/clips/some-clip/", "", {"error": STORAGE_DOWN}),
    ("/app/text-to-speech/", "application/json", {"error": STORAGE_DOWN}),
])
def test_json_clients_get_json(rf, path, accept, body):
    request = rf.get(path, HTTP_ACCEPT=accept) if accept else rf.get(path)

    response = unavailable_response(request, DependencyUnavailable(STORAGE_DOWN))

    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "10"
    assert json.loads(response.content) == body


def test_a_browser_gets_the_plain_page_whose_try_again_is_a_get(rf):
    request = rf.post("/app/text-to-speech/?q=1", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    response = unavailable_response(request, DependencyUnavailable(STORAGE_DOWN))

    html = response.content.decode()
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    assert STORAGE_DOWN in html and 'href="/app/text-to-speech/"' in html
    assert "<script" not in html and "style=" not in html


def test_other_errors_are_not_outages(rf):
    assert unavailable_response(rf.get("/"), ValueError("a bug")) is None


@pytest.mark.django_db
def test_the_500_handler_answers_503_for_an_outage_outside_a_view_and_500_otherwise(rf):
    request = rf.get("/app/text-to-speech/")

    try:
        raise OperationalError("database is locked")  # SQLite's words when its lock outlasts busy_timeout
    except OperationalError:
        locked = server_error(request)
    try:
        raise KeyError("a bug")
    except KeyError:
        bug = server_error(request)

    assert locked.status_code == 503 and b"Briefly unavailable" in locked.content
    assert bug.status_code == 500


@pytest.mark.django_db
def test_an_error_on_a_working_connection_is_a_500_with_its_traceback(rf):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        raise OperationalError("no such column: nonsense")
    except OperationalError:
        response = server_error(rf.get("/"))

    assert response.status_code == 500
