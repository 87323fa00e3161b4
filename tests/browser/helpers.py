"""Steps the studio's browser tests share."""

from __future__ import annotations

import time

WIDTHS = [1280, 390]


def set_range(page, selector: str, value) -> None:
    page.locator(selector).evaluate(
        "(input, value) => { input.value = value; input.dispatchEvent(new Event('input', { bubbles: true })); }",
        str(value),
    )


def wait_js(page, expression: str, arg=None, *, timeout: float = 20.0):
    """Wait until ``expression`` (a JS function of ``arg``, or an expression) is true in the page.
    Polled from here: Playwright's own wait_for_function evaluates its predicate with eval() in
    the page, which the site's Content-Security-Policy (no 'unsafe-eval') rightly refuses."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for: {expression}")
        time.sleep(0.05)


def wait_done(page, count: int) -> None:
    wait_js(page, "n => document.querySelectorAll('.history-list [data-clip][data-status=done]').length >= n",
            count, timeout=60)


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def focus_is_somewhere(page) -> bool:
    return page.evaluate("document.activeElement !== null && document.activeElement !== document.body")


def click(page, selector: str) -> None:
    """Scroll the element to the middle of the window (as a person would, clear of the fixed
    play bar at the bottom), then click it."""
    locator = page.locator(selector)
    locator.evaluate("element => element.scrollIntoView({ block: 'center' })")
    locator.click()
