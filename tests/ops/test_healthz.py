import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tests.support import API_KEY
from audio.tasks import generate_clip

pytestmark = [pytest.mark.django_db]

@pytest.fixture
def sfx_server(engine_server):
    """A real sound-effects inference server, used as the service's HTTP engine."""
    return engine_server("make-an-audio")


class TestHealthz:
    def test_answers_200_when_everything_answers(self, client, sfx_server):
        response = client.get("/healthz")

        body = response.json()
        assert response.status_code == 200, body
        assert body["status"] == "ok"
        assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"] and body["checks"]["tasks"]["ok"]
        assert body["checks"]["engines"]["make-an-audio"] == {"ok": True, "engine": "http", "remote": True}
        assert body["checks"]["engines"]["styletts2"]["ok"] and not body["checks"]["engines"]["styletts2"]["remote"]
        assert body["checks"]["tasks"]["queue_depth"] == 0
        assert API_KEY not in response.content.decode()
        assert "127.0.0.1" not in response.content.decode()  # no internal addresses either

    def test_answers_503_when_an_engine_server_is_stopped(self, client, sfx_server):
        sfx_server.close()

        response = client.get("/healthz")

        body = response.json()
        assert response.status_code == 503
        assert body["status"] == "unavailable"
        assert body["checks"]["engines"]["make-an-audio"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True

    def test_caches_engine_answers_for_a_few_seconds(self, client, sfx_server, settings):
        settings.HEALTHZ_CACHE_SECONDS = 60
        assert client.get("/healthz").status_code == 200
        sfx_server.close()

        cached = client.get("/healthz")

        assert cached.status_code == 200

    def test_answers_503_when_tasks_wait_with_no_worker(self, client, settings):
        settings.HEALTHZ_QUEUE_STALL_SECONDS = 60
        result = generate_clip.enqueue("nobody-runs-this")
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(minutes=5))

        response = client.get("/healthz")

        tasks = response.json()["checks"]["tasks"]
        assert response.status_code == 503
        assert (tasks["ok"], tasks["queue_depth"], tasks["worker_seen_recently"]) == (False, 1, False)


PROBE = """
import json, django
django.setup()
from django.test import RequestFactory
from elevenlabs_bernie.views import healthz
response = healthz(RequestFactory().get("/healthz"))
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
"""


@pytest.mark.parametrize(
    "database_url",
    ["postgresql://postgres@127.0.0.1:9/test", "sqlite:////nonexistent-directory/healthz/db.sqlite3"],
    ids=["postgresql-port-closed", "sqlite-unreachable-file"],
)
def test_answers_503_when_the_database_is_down(database_url, tmp_path):
    env = {
        **os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "MEDIA_ROOT": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "elevenlabs_bernie.settings", "CACHE_DIR": str(tmp_path / "cache"),
    }
    for name in ("STYLETTS2_API_ROUTE", "SEED_VC_API_ROUTE", "MAKE_AN_AUDIO_API_ROUTE"):
        env.pop(name, None)

    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=Path(django_settings.BASE_DIR),
                          capture_output=True, text=True, timeout=60)

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    assert result["body"]["checks"]["database"]["ok"] is False
    assert result["body"]["checks"]["tasks"] == {"ok": False, "error": "database down"}
    assert "127.0.0.1:9" not in done.stdout and "postgres@" not in done.stdout
