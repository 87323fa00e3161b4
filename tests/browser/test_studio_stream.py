"""Text to speech in Chromium plays while it is made: the play bar starts on the clip's stream
(Media Source Extensions) before the clip is done, and plays on from the stored clip after."""

import time

import pytest

from audio.models import GeneratedAudioClip
from tests.browser.helpers import click, wait_done, wait_js
from tests.browser.test_studio_pages import axe_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# About 3,500 characters of varied sentences: the local engine needs many seconds for them.
TEXT = " ".join([
    "The lighthouse keeper climbed the narrow stairs every evening, counting the steps out of habit.",
    "At the top, the great lens waited, polished and patient, for the sun to slip below the sea.",
    "Fishing boats came home in a loose line, their engines coughing as the wind turned colder.",
    "In the village below, a baker pulled the last trays of bread from an oven older than the harbour.",
    "Children ran along the sea wall, shouting the names of the boats they hoped to sail one day.",
    "Nobody remembered who had planted the crooked apple tree beside the chapel, but everyone ate its fruit.",
    "When storms came in autumn, the whole street gathered in the inn and told the same stories again.",
    "Some of those stories were true, a few were borrowed, and the best ones were simply made up.",
    "The schoolteacher kept a map of every wreck along the coast, marked with small red crosses.",
    "She said the map was for history lessons, though she studied it most on quiet winter nights.",
    "A travelling painter arrived one spring with a folding easel and a coat covered in blue paint.",
    "He stayed for a week, then a month, and by the end of the summer he had painted every door in town.",
    "The harbour master complained that the yellow doors confused the gulls, which nobody believed.",
    "On market days the square filled with crates of mussels, baskets of eggs and bright paper flowers.",
    "Old men argued about the weather with great confidence and very little accuracy.",
    "Far out on the water, a bell buoy rang whenever the swell lifted it, slow and steady as a heartbeat.",
    "Visitors often asked whether the lighthouse was still needed, now that ships carried satellites.",
    "The keeper would smile and say that a light in the dark has never gone out of fashion.",
    "Late in the year, the first snow fell on the cliffs and melted the moment it touched the sea.",
    "The baker started making spiced buns again, and the smell drifted all the way to the pier.",
    "A young engineer came to survey the cliffs and stayed to learn how to mend fishing nets.",
    "He was slow at first, and his knots slipped, but the fishermen were patient teachers.",
    "By midwinter he could tie a bowline with his eyes closed and tell the tide by the colour of the water.",
    "The painter wrote letters from the city, asking whether the yellow doors had faded yet.",
    "They had not, the schoolteacher replied, although the gulls had finally grown used to them.",
    "Every new year began with a swim in the freezing harbour, followed by soup and loud complaints.",
    "The keeper never swam, but he lit the lamp a little earlier that night, as if to say well done.",
    "Years later, when the light was automated, the village held a party on the rocks below it.",
    "The keeper gave a short speech, thanked the stairs for their company, and handed over the key.",
    "Then he walked down to the inn, ordered a cup of tea, and told the story of the yellow doors once more.",
    "The engineer, who by then owned a small boat of his own, offered to row him out to see the light from the sea.",
    "They went on a calm evening in early spring, when the water was flat and the sky was the colour of pearls.",
    "From out there the beam looked smaller than the keeper had imagined, and much more beautiful.",
    "He watched it sweep across the waves six times before he said anything at all.",
    "Then he laughed, said that forty years of polishing had been worth it, and asked to go home for supper.",
    "The schoolteacher added one last mark to her map that year, a small gold star above the lighthouse.",
])


def player_state(page) -> dict:
    return page.evaluate("""() => { const a = document.querySelector('[data-player-audio]');
        return { time: a.currentTime, paused: a.paused, src: a.src, error: a.error && a.error.code,
                 live: document.querySelector('[data-player-live]').hidden ? null
                       : document.querySelector('[data-player-live]').textContent }; }""")


def test_the_player_plays_the_clip_while_it_is_made_and_plays_on_once_it_is_done(open_page, studio_worker, axe_script):
    assert 3000 <= len(TEXT) <= 4000
    user = UserFactory(credits=1000)
    page = open_page(user)
    page.goto(f"{page.base}/app/text-to-speech/")
    assert page.evaluate("MediaSource.isTypeSupported('audio/mpeg')")

    page.fill("#tts-text", TEXT)
    click(page, "[data-generate]")

    # The play bar plays the stream while the clip is still pending.
    deadline = time.monotonic() + 90
    while True:
        state = player_state(page)
        clip = GeneratedAudioClip.objects.filter(user=user).first()
        if state["time"] > 0.5:
            break
        assert clip is None or clip.status == "pending", f"done before the player played: {state}"
        assert time.monotonic() < deadline, f"the player never started: {state}"
        time.sleep(0.1)
    assert clip.status == "pending"  # read after the player's time
    assert state["src"].startswith("blob:") and state["error"] is None and not state["paused"]
    assert state["live"].startswith("Live · ") and " ready" in state["live"]
    assert page.text_content("[data-total]") != "0:00"  # what is ready so far
    assert page.locator(f"#clip-{clip.id}.clip-playing[data-status=pending]").count() == 1
    assert page.evaluate("document.activeElement.matches('[data-generate]')")  # no focus theft
    assert axe_violations(page, axe_script) == []
    played_while_pending = state["time"]

    # Done: the row has its controls; the bar plays on where it was, now with the stored clip.
    wait_done(page, 1)
    clip.refresh_from_db()
    assert clip.status == "done"
    wait_js(page, "document.querySelector('[data-player-live]').hidden", timeout=30)
    state = player_state(page)
    assert state["error"] is None
    assert state["time"] >= played_while_pending  # not started again
    assert state["src"].startswith("blob:")  # the same audio, not reloaded
    assert page.get_attribute("[data-player-download]", "href").endswith(f"/app/clips/{clip.id}/audio/?format=mp3&download=1")
    row = f"#clip-{clip.id}"
    assert page.locator(f"{row}.clip-playing [data-play]").is_visible()
    duration = page.evaluate("document.querySelector('[data-player-audio]').duration")
    assert abs(duration - clip.duration_seconds) < 1.0
    before = player_state(page)["time"]
    wait_js(page, "t => document.querySelector('[data-player-audio]').currentTime > t + 0.5", before)

    # The row's Play loads the stored clip, as for any finished clip.
    click(page, f"{row} [data-play]")
    wait_js(page, """() => { const a = document.querySelector('[data-player-audio]');
        return !a.src.startsWith('blob:') && a.currentTime > 0.3 && a.error === null; }""")
    assert page.errors == []
