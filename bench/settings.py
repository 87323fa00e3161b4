"""Settings for the benchmarks: the project's own, plus the bare view (bench/urls.py).

    DJANGO_SETTINGS_MODULE=bench.settings          # bench/load.py: real engines, the bare view
    DJANGO_SETTINGS_MODULE=bench.settings_silent   # bench/task_queue.py: every engine is 0.1 s of silence

Nothing here is used by the site; a deployment runs elevenlabs_bernie.settings.
"""

from elevenlabs_bernie.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
