"""The database restarts or fails over under a real web process (gunicorn) and a real worker
process (run_worker), mid-generation: PostgreSQL with every backend terminated and new
connections refused for a moment (ALLOW_CONNECTIONS), MariaDB with every connection killed (KILL
CONNECTION) and the app's account locked for a moment.

Afterwards no page answers 500, the worker is alive and works, and the clip it was generating
is generated again and ends done, charged once."""

import time

import pytest
from django.db import connection, connections
from django.db.models import Sum

from accounts.models import User
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.factories import UserFactory
from tests.resilience.outages import Browser, run_worker
from tests.support import WebServer, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGES = ("/app/text-to-speech/", "/app/sound-effects/", "/app/account/", "/posts/")


def _web_database_url(outage) -> str:
    """The web process's DATABASE_URL: PostgreSQL's pool of 4 waits at most 2 s for a connection
    while the database is away; MySQL keeps persistent connections (connection_limit), the
    harder case: they must be checked before reuse."""
    extra = "?connection_limit=4&pool_timeout=2" if connection.vendor == "postgresql" else "?connection_limit=4"
    return outage.app_database_url() + extra


def test_connections_killed_while_idle_are_not_used_again(database_outage, tmp_path):
    user = UserFactory(credits=1000)
    web = WebServer(tmp_path / "web.log", DATABASE_URL=_web_database_url(database_outage))
    try:
        browsers = [Browser(web.url) for _ in range(4)]
        for browser in browsers:
            assert browser.sign_in(user.email, UserFactory.password).status_code == 302
        for _ in range(2):  # four at a time: the pool (or each thread) holds four idle connections
            _in_parallel([lambda b=b: b.get("/app/text-to-speech/") for b in browsers])

        killed = database_outage.kill()  # the database answers at once: only the open connections die
        first = browsers[0].get("/app/text-to-speech/")  # alone: it must not walk the dead ones one by one
        statuses = [response.status_code for response in _in_parallel(
            [lambda b=b: b.get(path) for b in browsers for path in PAGES])]
    finally:
        web.stop()

    assert killed >= 4
    assert first.status_code == 200, web.output()[-3000:]
    assert set(statuses) == {200}, (statuses, web.output()[-3000:])
    assert "Traceback" not in web.output()


def _in_parallel(calls: list) -> list:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_an_outage_mid_generation_costs_no_500_no_worker_and_no_clip(database_outage, engine_server, tmp_path):
    engine = engine_server("styletts2", stall=True)
    user = UserFactory(credits=1000)
    web = WebServer(tmp_path / "web.log", DATABASE_URL=_web_database_url(database_outage), HEALTHZ_CACHE_SECONDS="0")
    worker = run_worker(tmp_path / "worker.log", STYLETTS2_API_ROUTE=engine.url,
                        DATABASE_URL=database_outage.app_database_url())
    try:
        browser = Browser(web.url)
        assert browser.sign_in(user.email, UserFactory.password).status_code == 302
        first = browser.generate("This clip is being made when the database goes away.")
        assert first.status_code == 201, first.text
        interrupted = first.json()["id"]
        assert engine.received.wait(60), worker.output()

        database_outage.down()
        during = [browser.get("/app/text-to-speech/"),
                  browser.get(f"/app/clips/{interrupted}/", headers={"Accept": "application/json"})]
        engine.stall = False
        engine.release.set()  # the engine answers; the worker cannot record it
        wait_for(lambda: "lost the database" in worker.output(), timeout=30, what="the worker to lose the database")
        database_outage.up()

        after = [browser.get(path) for path in PAGES]
        after.append(browser.get(f"/app/clips/{interrupted}/"))
        after.append(browser.sign_out())
        after.append(browser.sign_in(user.email, UserFactory.password))
        second = browser.generate("This one is asked for after the outage.")
        after.append(second)
        connections.close_all()  # this test's own connection died in the outage too
        wait_for(lambda: GeneratedAudioClip.objects.get(pk=second.json()["id"]).status == "done", timeout=60,
                 what="the clip asked for after the outage")
        wait_for(lambda: GeneratedAudioClip.objects.get(pk=interrupted).status != "pending", timeout=60,
                 what="the interrupted clip")
        health = wait_for(lambda: _fresh_worker(browser), timeout=10, what="a fresh heartbeat in /healthz")
        alive = worker.process.poll() is None
    finally:
        worker.stop()
        web.stop()

    statuses = [response.status_code for response in during + after]
    assert [s for s in statuses if s >= 500 and s != 503] == [], statuses
    assert [r.status_code for r in after] == [200, 200, 200, 200, 200, 302, 302, 201], web.output()[-3000:]
    page, status = during
    assert (page.status_code, status.status_code) == (503, 503)
    assert "Briefly unavailable" in page.text and "Traceback" not in page.text
    assert page.headers["Retry-After"] == "10"
    assert status.headers["Content-Type"] == "application/json" and "error" in status.json()
    assert alive, worker.output()[-3000:]
    assert health["stale"] is False
    clip = GeneratedAudioClip.objects.get(pk=interrupted)
    assert clip.status == "done" and clip.attempts >= 2, (clip.status, clip.error, worker.output()[-3000:])
    assert list(UsageLog.objects.filter(clip_id=interrupted).values_list("credits", flat=True)) == [-50]
    balance = User.objects.get(pk=user.pk).credits
    assert balance == 900 == 1000 + UsageLog.objects.filter(user=user).aggregate(total=Sum("credits"))["total"]
    log = web.output()
    assert "Traceback" not in log, log[-3000:]
    assert log.count("answered 503") == statuses.count(503)
    assert "back on the database" in worker.output()
    assert "interrupted task(s) queued again" in worker.output()
    assert "could not record it; the attempt will run again" in worker.output()


def _fresh_worker(browser: Browser) -> dict | None:
    workers = browser.get("/healthz").json()["checks"]["tasks"].get("workers") or []
    return workers[0] if workers and not workers[0]["stale"] else None
