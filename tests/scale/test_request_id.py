"""Every request has an id: the X-Request-ID sent when it is sane, a new one otherwise; it is
answered in the header and carried by the app's log lines made for the request."""

import json
import logging

import pytest

from elevenlabs_bernie import request_id
from tests.factories import UserFactory


@pytest.mark.django_db
class TestRequestId:
    def test_a_sane_id_sent_by_the_proxy_is_answered_as_it_is(self, client):
        response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:42_x.y"})

        assert response["X-Request-ID"] == "lb-7f3a:42_x.y"

    @pytest.mark.parametrize("sent", ["", "has space", "a" * 129, "new\nline", "<script>", "-starts-with-dash"])
    def test_anything_else_is_replaced_by_a_new_id(self, client, sent):
        response = client.get("/healthz", headers={"X-Request-ID": sent})

        assert response["X-Request-ID"] != sent
        assert len(response["X-Request-ID"]) == 32 and int(response["X-Request-ID"], 16) >= 0

    def test_each_request_gets_its_own_id(self, client):
        first = client.get("/healthz")["X-Request-ID"]
        second = client.get("/healthz")["X-Request-ID"]

        assert first != second

    def test_the_clip_lifecycle_line_carries_the_request_id(self, client, caplog):
        client.force_login(UserFactory())
        caplog.set_level(logging.INFO, logger="audio.lifecycle")

        response = client.post("/app/text-to-speech/", {"text": "Hello there.", "voice": "andreas"},
                               headers={"X-Request-ID": "req-from-test-1", "Accept": "application/json"})

        assert response.status_code == 201
        events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "audio.lifecycle"]
        assert [(e["event"], e["request_id"]) for e in events] == [("clip.requested", "req-from-test-1")]

    def test_the_log_filter_adds_the_id_inside_a_request_and_a_dash_outside(self):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
        request_id.RequestIdFilter().filter(record)

        assert record.request_id == "-"
