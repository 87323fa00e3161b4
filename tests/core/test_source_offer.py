"""AGPL-3.0 section 13: every page links to the source of the running version, and says which."""

import io
import tarfile

import pytest

from elevenlabs_bernie.version import version


@pytest.mark.django_db
class TestFooter:
    @pytest.mark.parametrize("path", ["/", "/app/text-to-speech/", "/app/account/", "/posts/"])
    def test_shows_the_source_link_and_the_version(self, client, user, path):
        if path != "/":
            client.force_login(user)

        html = client.get(path).content.decode()

        assert f'<span data-version>{version()}</span>' in html
        assert '<a href="/source.tar.gz" rel="noopener">Source</a>' in html

    def test_links_to_source_url_when_it_is_set(self, client, settings):
        settings.SOURCE_URL = "https://git.example.org/bernie"

        html = client.get("/").content.decode()

        assert '<a href="https://git.example.org/bernie" rel="noopener">Source</a>' in html


class TestVersion:
    def test_is_the_package_version_and_the_checkout(self):
        assert version().startswith("0.1.0")

    def test_a_deployment_can_name_it(self, monkeypatch):
        version.cache_clear()
        monkeypatch.setenv("APP_VERSION", "2026.11-rc1")
        try:
            assert version() == "2026.11-rc1"
        finally:
            version.cache_clear()


@pytest.mark.django_db
def test_healthz_reports_the_version(client, settings):
    settings.HEALTHZ_CACHE_SECONDS = 0

    assert client.get("/healthz").json()["version"] == version()


def test_the_source_archive_holds_the_code_and_no_secrets(client, settings, tmp_path):
    from ops.source import source_files

    (tmp_path / "app").mkdir()
    for name, text in {"app/views.py": "x = 1\n", ".env": "SECRET_KEY=do-not-leak\n", "dev.db": "data",
                       "README.md": "# hi\n", ".env.example": "SECRET_KEY=\n", "media/a.wav": "RIFF"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    names = sorted(str(path.relative_to(tmp_path)) for path in source_files(tmp_path))
    response = client.get("/source.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(response.content)) as tar:
        shipped = tar.getnames()

    assert names == [".env.example", "README.md", "app/views.py"]
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    assert "elevenlabs-bernie/audio/services.py" in shipped and "elevenlabs-bernie/LICENSE" in shipped
    assert not any(name.endswith((".env", ".db", ".sqlite3")) or "/.venv/" in name for name in shipped)
