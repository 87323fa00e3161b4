"""Steps the studio's browser tests share."""

from __future__ import annotations

WIDTHS = [1280, 390]


def set_range(page, selector: str, value) -> None:
    page.locator(selector).evaluate(
        "(input, value) => { input.value = value; input.dispatchEvent(new Event('input', { bubbles: true })); }",
        str(value),
    )


def wait_done(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.history-list [data-clip][data-status=done]').length >= n", arg=count,
        timeout=60000,
    )


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
