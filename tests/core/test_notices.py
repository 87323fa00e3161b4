"""bin/notices: THIRD_PARTY_NOTICES.md is current, and the check refuses unknown or
incompatible licenses, stale notices and outdated hand-checked overrides. No database."""

import email.message
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "notices"


def _load():
    loader = importlib.machinery.SourceFileLoader("bin_notices", str(SCRIPT))
    spec = importlib.util.spec_from_loader("bin_notices", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bin_notices"] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


notices = _load()


def _skip_unless_installed(messages):
    missing = [m for m in messages if "is not installed" in m]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"not every pinned requirement is installed here: {missing[0]}")


def _dist(site: Path, name: str, version: str, *headers: str):
    """A fabricated installed distribution: NAME-VERSION.dist-info/METADATA in `site`."""
    folder = site / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", *headers]
    (folder / "METADATA").write_text("\n".join(lines) + "\n")


def _project(tmp_path: Path, requirements: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (root / "requirements.txt").write_text(requirements)
    return root


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site-packages"
    site.mkdir()
    _dist(site, "friendly-lib", "2.0", "License-Expression: MIT", "Project-URL: Source, https://example.org/friendly",
          "Requires-Dist: old-gpl-lib>=1", "Requires-Dist: never-installed; extra == 'docs'")
    _dist(site, "old-gpl-lib", "1.1", "License-Expression: GPL-2.0-only")
    _dist(site, "mystery-audio", "1.0", "License: Custom licence, ask us",
          "Classifier: License :: Other/Proprietary License")
    _dist(site, "plain-lib", "3.0", "License: BSD 3-Clause License")
    return site


def _meta(**fields):
    message = email.message.Message()
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            message[key.replace("_", "-")] = value
    return message


class TestRealRequirements:
    def test_every_license_is_known_and_allowed_and_the_notices_are_current(self):
        status, messages = notices.run(ROOT, check=True)
        _skip_unless_installed(messages)
        assert messages == []
        assert status == 0

    def test_the_command_exits_zero(self):
        result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
        _skip_unless_installed(result.stderr.splitlines())
        assert result.returncode == 0, result.stderr
        assert "up to date, every license allowed" in result.stdout

    def test_the_gpl_packages_that_run_in_process_are_listed_with_their_license(self):
        text = (ROOT / "THIRD_PARTY_NOTICES.md").read_text()
        assert "| piper-tts | 1.8.0 | GPL-3.0-or-later |" in text
        assert "| praat-parselmouth | 0.4.7 | GPL-3.0-or-later |" in text
        assert "| psycopg | 3.3.9 | LGPL-3.0-only |" in text
        assert "## Tests only" in text and "| pytest | " in text.split("## Tests only")[1]


class TestFabricatedDependencies:
    def test_an_unknown_license_fails_the_check(self, tmp_path, site):
        root = _project(tmp_path, "plain-lib==3.0\nmystery-audio==1.0\n")
        status, messages = notices.run(root, check=False, path=[str(site)])
        assert status == 1
        assert len(messages) == 1
        assert messages[0].startswith("mystery-audio 1.0: license unknown")
        assert "Other/Proprietary License" in messages[0]
        # The notices are still written, and say so.
        assert "| mystery-audio | 1.0 | unknown | - | direct |" in (root / "THIRD_PARTY_NOTICES.md").read_text()

    def test_an_incompatible_license_deep_in_the_closure_fails_the_check(self, tmp_path, site):
        root = _project(tmp_path, "friendly-lib==2.0  # pulls in old-gpl-lib\n")
        status, messages = notices.run(root, check=False, path=[str(site)])
        assert status == 1
        assert messages == ["old-gpl-lib 1.1: GPL-2.0-only is not compatible with AGPL-3.0-or-later "
                            "(allowed: COMPATIBLE in bin/notices)"]
        text = (root / "THIRD_PARTY_NOTICES.md").read_text()
        assert "| friendly-lib | 2.0 | MIT | License-Expression | direct | https://example.org/friendly |" in text
        assert "| old-gpl-lib | 1.1 | GPL-2.0-only | License-Expression | friendly-lib |  |" in text

    def test_the_command_exits_non_zero_on_an_unknown_license(self, tmp_path, site):
        root = _project(tmp_path, "mystery-audio==1.0\n")
        result = subprocess.run([sys.executable, str(SCRIPT), "--check", "--root", str(root)],
                                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)})
        assert result.returncode == 1
        assert "error: mystery-audio 1.0: license unknown" in result.stderr

    def test_a_package_that_is_not_installed_stops_it(self, tmp_path, site):
        root = _project(tmp_path, "plain-lib==3.0\nabsent-lib==1.0\n")
        status, messages = notices.run(root, check=False, path=[str(site)])
        assert status == 1
        assert messages[0].startswith("absent-lib (requirements.txt) is not installed")
        assert not (root / "THIRD_PARTY_NOTICES.md").exists()

    def test_an_installed_version_other_than_the_pin_is_reported(self, tmp_path, site):
        root = _project(tmp_path, "plain-lib==2.9\n")
        _, messages = notices.run(root, check=False, path=[str(site)])
        assert messages == ["plain-lib: requirements.txt pins 2.9, 3.0 is installed"]

    def test_an_override_checked_for_another_version_must_be_read_again(self, tmp_path, site, monkeypatch):
        monkeypatch.setitem(notices.OVERRIDES, "mystery-audio", notices.Override("0.9", "MIT", "its LICENSE"))
        root = _project(tmp_path, "mystery-audio==1.0\n")
        _, messages = notices.run(root, check=False, path=[str(site)])
        assert len(messages) == 1
        assert messages[0].startswith("mystery-audio: its license override was checked for version 0.9, 1.0 is installed")

    def test_stale_or_missing_notices_fail_the_check(self, tmp_path, site):
        root = _project(tmp_path, "plain-lib==3.0\n")
        assert notices.run(root, check=False, path=[str(site)]) == (0, [])
        assert notices.run(root, check=True, path=[str(site)]) == (0, [])

        notices_file = root / "THIRD_PARTY_NOTICES.md"
        notices_file.write_text(notices_file.read_text().replace("BSD-3-Clause", "MIT"))
        status, messages = notices.run(root, check=True, path=[str(site)])
        assert status == 1
        assert messages[0].startswith("THIRD_PARTY_NOTICES.md is out of date")

        notices_file.unlink()
        _, messages = notices.run(root, check=True, path=[str(site)])
        assert messages[0].startswith("THIRD_PARTY_NOTICES.md is missing")

    def test_the_output_is_the_same_every_time(self, tmp_path, site):
        root = _project(tmp_path, "friendly-lib==2.0\nplain-lib==3.0\n")
        (root / "requirements-test.txt").write_text("mystery-audio==1.0\n")
        notices.run(root, check=False, path=[str(site)])
        first = (root / "THIRD_PARTY_NOTICES.md").read_text()
        notices.run(root, check=False, path=[str(site)])
        assert (root / "THIRD_PARTY_NOTICES.md").read_text() == first
        assert "## Tests only" in first and "| mystery-audio |" in first.split("## Tests only")[1]


class TestClassification:
    @pytest.mark.parametrize("meta, expected", [
        (_meta(License_Expression="MIT AND PSF-2.0", License="GPL-2.0-only"), ("MIT AND PSF-2.0", "License-Expression")),
        (_meta(License="Apache-2.0"), ("Apache-2.0", "License")),
        (_meta(License="BSD 3-Clause License"), ("BSD-3-Clause", "License")),
        (_meta(License="GPLv3", Classifier="License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"),
         ("GPL-3.0-or-later", "classifier")),
        (_meta(Classifier=["License :: OSI Approved :: MIT License", "Programming Language :: Python"]), ("MIT", "classifier")),
    ])
    def test_a_license_is_read_from_the_metadata(self, meta, expected):
        assert notices.classify(meta)[:2] == expected

    @pytest.mark.parametrize("meta", [
        _meta(Classifier="License :: OSI Approved :: BSD License"),  # which BSD?
        _meta(Classifier="License :: OSI Approved :: Apache Software License"),  # which version?
        _meta(License="Dual License", Classifier=["License :: OSI Approved :: BSD License",
                                                   "License :: OSI Approved :: Apache Software License"]),
        _meta(Classifier=["License :: OSI Approved :: MIT License",
                          "License :: OSI Approved :: GNU General Public License v2 (GPLv2)"]),  # AND or OR?
        _meta(License="see LICENSE file"),
        _meta(),
    ])
    def test_nothing_is_guessed(self, meta):
        assert notices.classify(meta)[0] == ""

    @pytest.mark.parametrize("expression, compatible", [
        ("MIT", True),
        ("GPL-3.0-or-later", True),
        ("GPL-3.0+", True),
        ("GPL-2.0-or-later", True),
        ("LGPL-3.0-only", True),
        ("GPL-2.0-only", False),
        ("GPL-2.0", False),
        ("MIT OR GPL-2.0-only", True),
        ("MIT AND GPL-2.0-only", False),
        ("(Proprietary OR MIT) AND BSD-3-Clause", True),
        ("Apache-2.0 WITH LLVM-exception", True),
        ("LicenseRef-Custom", False),
    ])
    def test_compatibility_with_agpl(self, expression, compatible):
        assert notices.is_compatible(notices.parse_expression(expression)) is compatible

    @pytest.mark.parametrize("text", ["", "MIT AND", "(MIT", "MIT)", "MIT OR OR BSD-3-Clause", "MIT/BSD"])
    def test_malformed_expressions_are_refused(self, text):
        with pytest.raises(notices.ExpressionError):
            notices.parse_expression(text)
