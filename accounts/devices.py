"""A readable device name from a User-Agent string, for the sessions list."""

import re

_BROWSERS = [
    ("Edge", r"Edg/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"Firefox/"),
    ("Chrome", r"(Chrome|Chromium|CriOS)/"),
    ("Safari", r"Safari/"),
    ("curl", r"^curl/"),
    ("Python", r"python-requests|Python-urllib"),
]
_SYSTEMS = [
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
]


def describe_user_agent(user_agent: str) -> str:
    if not user_agent:
        return "Unknown device"
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "Browser")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if "HeadlessChrome" in user_agent:
        browser = "Headless Chrome"
    return f"{browser} on {system}" if system else browser
