"""The Content-Security-Policy allows no inline styles or scripts: none in our templates, in
the HTML our Python builds (format_html), or in the HTML our scripts insert."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.jinja"), *ROOT.glob("static/js/**/*.js"),
     *(p for p in ROOT.glob("*/**/*.py") if not p.is_relative_to(ROOT / "tests") and ".venv" not in p.parts)]
)
INLINE = {
    "a style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.IGNORECASE),
    "a <style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=[\"']application/(?:ld\+)?json)[^>]*>", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_has_no_inline_style_or_script(path):
    text = path.read_text(encoding="utf-8")

    found = [f"{what} on line {text.count(chr(10), 0, m.start()) + 1}"
             for what, pattern in INLINE.items() for m in pattern.finditer(text)]

    assert found == []
