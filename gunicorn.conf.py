"""gunicorn's settings for ElevenLabs-Bernie: `gunicorn -c gunicorn.conf.py` (bin/serve,
Procfile.production). Each value can be changed by the environment variable beside it;
docs/deploy.md says when to. gunicorn's own GUNICORN_CMD_ARGS still wins over this file.
"""

import os

from elevenlabs_bernie.dotenv import load_env_file

load_env_file()  # .env, as settings.py reads it: variables already set win


def _str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:
        return os.cpu_count() or 1


# The app: WSGI by default; an ASGI worker class (GUNICORN_WORKER_CLASS=asgi, gunicorn's own,
# or uvicorn_worker.UvicornWorker) serves elevenlabs_bernie.asgi instead.
worker_class = _str("GUNICORN_WORKER_CLASS", "gthread")
_asgi = worker_class == "asgi" or "uvicorn" in worker_class.lower()
wsgi_app = _str("GUNICORN_APP", "elevenlabs_bernie.asgi:application" if _asgi else "elevenlabs_bernie.wsgi:application")

# (Not $PORT: honcho sets PORT for every process it starts.)
bind = _str("GUNICORN_BIND", "0.0.0.0:8000")
# Processes: gunicorn's rule of thumb, 2 per CPU + 1; threads per process for gthread (an API
# generate call holds its thread while the worker makes the clip). Each thread may hold a
# database connection: keep WEB_CONCURRENCY x GUNICORN_THREADS within the
# database's connection_limit (PostgreSQL's pool size per process, see docs/deploy.md).
workers = _int("WEB_CONCURRENCY", 2 * _cpus() + 1)
# Streams (audio.streaming) hold a thread each while their clip is made; each process takes at
# most STREAMS_PER_PROCESS of them, and has that many threads on top of GUNICORN_THREADS, so
# however many streams are open, GUNICORN_THREADS threads are left for everything else.
threads = _int("GUNICORN_THREADS", 8) + _int("STREAMS_PER_PROCESS", 24)

# A worker silent for `timeout` seconds is killed and replaced; on a restart or SIGTERM,
# workers get `graceful_timeout` seconds to finish the requests they have.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Graceful restarts: each worker is replaced after max_requests (+ up to jitter, so they do not
# all restart at once) requests, which bounds slow memory growth. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# One JSON line per request on stdout (elevenlabs_bernie/access_log.py), with the request id
# Django answered in X-Request-ID; gunicorn's own messages go to stderr.
accesslog = _str("GUNICORN_ACCESS_LOG", "-")
errorlog = _str("GUNICORN_ERROR_LOG", "-")
loglevel = _str("GUNICORN_LOG_LEVEL", "info")
logger_class = "elevenlabs_bernie.access_log.JsonAccessLogger"

# gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl by default) would be shared by every
# gunicorn of a host; off unless a path is given.
control_socket_disable = not _str("GUNICORN_CONTROL_SOCKET", "")
if not control_socket_disable:
    control_socket = _str("GUNICORN_CONTROL_SOCKET", "")
proc_name = _str("GUNICORN_PROC_NAME", "bernie-web")
