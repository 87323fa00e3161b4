"""Settings for ElevenLabs-Bernie: one module, driven by environment variables.

Every variable is listed with a comment in ``.env.example``. A ``.env`` file in the project
root is read first (values already in the environment win); ``ENV_FILE`` names another file,
and ``ENV_FILE=`` (empty) reads none.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from elevenlabs_bernie import database_url, dotenv

BASE_DIR = Path(__file__).resolve().parent.parent


dotenv.load_env_file()


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Where people get the source of the version you run (AGPL-3.0 section 13): your repository or
# an archive. Empty: the server offers its own files at /source.tar.gz.
SOURCE_URL = env("SOURCE_URL")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "storages",
    "accounts",
    "credits",
    "audio",
    "api",
    "ops",
    "legacy_import",
    "posts",
]

MIDDLEWARE = [
    "elevenlabs_bernie.request_id.RequestIdMiddleware",
    "api.middleware.ApiJsonErrorsMiddleware",  # every answer under /v1/ and /v2/ is JSON
    "elevenlabs_bernie.middleware.ClientIPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "elevenlabs_bernie.middleware.RejectNullCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.sessions.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so its process_exception sees a view's exception first: database or storage
    # outages answer 503 (elevenlabs_bernie/middleware.py).
    "elevenlabs_bernie.middleware.DependencyUnavailableMiddleware",
]

ROOT_URLCONF = "elevenlabs_bernie.urls"
WSGI_APPLICATION = "elevenlabs_bernie.wsgi.application"
ASGI_APPLICATION = "elevenlabs_bernie.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "elevenlabs_bernie.context_processors.site",
                "django.template.context_processors.csp",  # csp_nonce: the admin's own tags carry it
            ],
        },
    },
    {
        # The studio's hot fragments (templates/audio/*.jinja): Jinja2 renders a page of history
        # rows about ten times faster than Django's language (see elevenlabs_bernie/jinja2.py).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "elevenlabs_bernie.jinja2.environment"},
    },
]

# --- Database ---------------------------------------------------------------

try:
    DATABASES = {"default": database_url.parse(env("DATABASE_URL"), base_dir=BASE_DIR)}
except database_url.DatabaseURLError as exc:
    # One clear line, not a traceback.
    sys.stderr.write(f"error: {exc}\n")
    raise SystemExit(2) from None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits, anonymous sessions) ------------------------

def cache_from_env() -> dict:
    """Redis when REDIS_URL is set, degrading to local memory while it does not answer
    (core/cache.py); else a file cache, shared by every process on the machine (web, worker)."""
    redis_url = env("REDIS_URL")
    if not redis_url:
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": env("CACHE_DIR", str(BASE_DIR / ".cache" / "django"))}
    timeout = env_float("REDIS_TIMEOUT_SECONDS", 0.5)
    return {"BACKEND": "core.cache.RedisWithFallbackCache", "LOCATION": redis_url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout,
                        "RETRY_MAX_SECONDS": env_float("REDIS_RETRY_MAX_SECONDS", 10)}}


CACHES = {"default": cache_from_env()}

# --- Auth -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "accounts.hashers.BcryptCost10PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.hashers.MaximumBytesValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "audio:text_to_speech"
LOGOUT_REDIRECT_URL = "home"

# Sessions live in accounts.Session once a user signs in (see accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# allauth: email is the login, no username.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if env_bool("ACCOUNT_EMAIL_VERIFICATION_MANDATORY") else "optional"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so the numbers are visible here.
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ElevenLabs-Bernie] "
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
    "login": "accounts.forms.LoginForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
}
# Addresses are stored in one normal form (accounts/emails.py); the part before the @ must be
# plain ASCII unless this is on (then look-alike mixes of alphabets are still refused).
ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS = env_bool("ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS")

# --- Email ------------------------------------------------------------------

EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    _outgoing = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": EMAIL_HOST,
            "port": env_int("EMAIL_PORT", 587),
            "username": env("EMAIL_HOST_USER"),
            "password": env("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": 10,
        },
    }
else:
    _outgoing = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
MAILERS = {
    # Sending mail stores it and queues it (accounts/mail.py): a request never waits on the mail
    # server, and a server that is down delays mail instead of failing sign-up or a reset.
    "default": {"BACKEND": "accounts.mail_backend.QueuedEmailBackend"},
    # What the worker delivers with: SMTP when EMAIL_HOST is set, else the console (the log).
    "outgoing": _outgoing,
}
del EMAIL_HOST, _outgoing
# Seconds between delivery attempts of a mail the server did not take; one more attempt than
# there are numbers (the default: 10 attempts over about 4 hours), then it is given up.
MAIL_RETRY_BACKOFF_SECONDS = [
    int(n) for n in env_list("MAIL_RETRY_BACKOFF_SECONDS", "10,30,60,120,300,600,1800,3600,7200")
]
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ElevenLabs-Bernie <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Storage ----------------------------------------------------------------

MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

def default_storage_from_env() -> dict:
    """Audio files: S3 when S3_BUCKET_NAME is set (any S3: AWS, SeaweedFS, MinIO), else MEDIA_ROOT."""
    bucket = env("S3_BUCKET_NAME")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    from botocore.config import Config

    endpoint = env("AWS_S3_ENDPOINT_URL") or None
    # A dead or unreachable S3 must not hold a request for minutes (botocore's defaults: 60 s to
    # connect, 5 attempts): a few seconds to connect, 3 attempts in all, then StorageUnavailable.
    client_config = Config(
        s3={"addressing_style": "path" if endpoint else None}, signature_version="s3v4",
        connect_timeout=env_float("S3_CONNECT_TIMEOUT_SECONDS", 3), read_timeout=env_float("S3_READ_TIMEOUT_SECONDS", 30),
        retries={"mode": "standard", "total_max_attempts": 3},
    )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "region_name": env("AWS_REGION", "us-east-1"),
            "endpoint_url": endpoint,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "client_config": client_config,  # carries the addressing style and signature version too
        },
    }


STORAGES = {
    "default": default_storage_from_env(),
    "staticfiles": {
        # Hashed, compressed files from `collectstatic` (STATIC_MANIFEST=0 serves them as they
        # are, from the app folders: development, and tests that skip collectstatic).
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", not DEBUG)

# Uploads: the voice changer accepts up to 50 MB; larger bodies are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# How long a presigned S3 link to a clip stays valid (capped at 300 s).
AUDIO_URL_EXPIRE_SECONDS = env_int("AUDIO_URL_EXPIRE_SECONDS", 300)

# --- Background tasks -------------------------------------------------------

# Each service has its own queue (audio/tasks.py); QUEUES empty = every queue name is accepted.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"), "QUEUES": []}}
# run_worker: how often each worker writes its heartbeat (ops/heartbeats.py), and the longest
# wait between reconnection attempts while the database is away (ops/worker.py).
WORKER_HEARTBEAT_SECONDS = env_float("WORKER_HEARTBEAT_SECONDS", 15)
WORKER_BACKOFF_MAX_SECONDS = env_float("WORKER_BACKOFF_MAX_SECONDS", 10)

# --- Audio: prices, limits, engines -------------------------------------------

CREDIT_COST_STYLETTS2 = env_int("CREDIT_COST_STYLETTS2", 50)  # text to speech
CREDIT_COST_SEEDVC = env_int("CREDIT_COST_SEEDVC", 50)  # voice changer
CREDIT_COST_MAKE_AN_AUDIO = env_int("CREDIT_COST_MAKE_AN_AUDIO", 50)  # sound effects
# More clips than this in any minute from one user are queued for the next minute, not refused.
CLIP_RATE_LIMIT_PER_MINUTE = env_int("CLIP_RATE_LIMIT_PER_MINUTE", 3)
TTS_TEXT_MAX_CHARS = env_int("TTS_TEXT_MAX_CHARS", 5000)
SFX_PROMPT_MAX_CHARS = env_int("SFX_PROMPT_MAX_CHARS", 500)
AUDIO_UPLOAD_MAX_BYTES = env_int("AUDIO_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
AUDIO_UPLOAD_MAX_SECONDS = env_int("AUDIO_UPLOAD_MAX_SECONDS", 300)
STYLETTS2_API_ROUTE = env("STYLETTS2_API_ROUTE")
SEED_VC_API_ROUTE = env("SEED_VC_API_ROUTE")
MAKE_AN_AUDIO_API_ROUTE = env("MAKE_AN_AUDIO_API_ROUTE")
BACKEND_API_KEY = env("BACKEND_API_KEY")
ENGINE_TIMEOUT_SECONDS = env_int("ENGINE_TIMEOUT_SECONDS", 120)
PIPER_VOICES_DIR = env("PIPER_VOICES_DIR")
# How much one engine job may grow the worker's memory before it is stopped (and refunded).
ENGINE_MEMORY_BUDGET_MB = env_int("ENGINE_MEMORY_BUDGET_MB", 1024)
# Piper pieces synthesised at once per worker process (~250 MB each at most).
PIPER_THREADS = env_int("PIPER_THREADS", 2)

# The API's generate calls wait this long for their clip (well under the ElevenLabs SDK's own
# 240 s); past it the clip is failed and refunded, and the call answers 504.
API_GENERATION_TIMEOUT_SECONDS = env_int("API_GENERATION_TIMEOUT_SECONDS", 120)

# Rendered studio pages kept per web process (audio/page_cache.py); 0 turns the page cache off.
STUDIO_PAGE_CACHE_MB = env_float("STUDIO_PAGE_CACHE_MB", 32)

# Streams (audio.streaming): text to speech is played while it is made. The worker publishes
# each piece through Redis when REDIS_URL is set, else through the database. A stream holds a
# web thread: each process serves at most STREAMS_PER_PROCESS at once (gunicorn.conf.py adds
# that many threads to GUNICORN_THREADS, so pages keep theirs); one that gets no audio for
# STREAM_IDLE_SECONDS is cut (the clip goes on).
PIECES_REDIS_URL = env("REDIS_URL")
STREAMS_PER_PROCESS = env_int("STREAMS_PER_PROCESS", 24)
STREAM_IDLE_SECONDS = env_int("STREAM_IDLE_SECONDS", 120)

# /healthz: how long storage, queue and engine answers are cached; how long a runnable
# task may wait before the queue counts as stalled (no worker).
HEALTHZ_CACHE_SECONDS = env_int("HEALTHZ_CACHE_SECONDS", 10)
HEALTHZ_QUEUE_STALL_SECONDS = env_int("HEALTHZ_QUEUE_STALL_SECONDS", 300)
# A worker whose heartbeat is older than this is reported stale (gone, or cut off from the database).
HEALTHZ_WORKER_STALE_SECONDS = env_int("HEALTHZ_WORKER_STALE_SECONDS", 60)

# --- Security (production) --------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
# How many proxies of ours stand in front (each appends to X-Forwarded-For): the client is the
# Nth address from the right. 0 ignores the header (REMOTE_ADDR is the client). core/client_ip.py
# gives the one answer to allauth's rate limits, the session list and the logs.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # the same number for allauth's own code paths
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def audio_origins() -> list[str]:
    """Where the browser fetches clips from besides this site: the S3 endpoint that presigned
    links point at (audio is a redirect there), plus CSP_EXTRA_MEDIA_ORIGINS (a CDN in front)."""
    origins = env_list("CSP_EXTRA_MEDIA_ORIGINS")
    bucket = env("S3_BUCKET_NAME")
    endpoint = env("AWS_S3_ENDPOINT_URL")
    if bucket and endpoint:
        from urllib.parse import urlsplit

        parts = urlsplit(endpoint)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    elif bucket:
        region = env("AWS_REGION", "us-east-1")
        origins += [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]
    return origins


def content_security_policy() -> dict:
    """Django's CSP middleware's policy: scripts and styles only from this site's static files
    (the admin's own tags carry the per-response nonce); no inline style attributes, no inline
    scripts, no framing; forms post only here; audio also from audio_origins()."""
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF, CSP.NONCE],
        "img-src": [CSP.SELF, "data:"],
        "font-src": [CSP.SELF],
        "media-src": [CSP.SELF, "blob:", *audio_origins()],
        "connect-src": [CSP.SELF, *audio_origins()],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }


SECURE_CSP = content_security_policy()

# --- i18n / time ------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Logging ----------------------------------------------------------------

# Every line carries the id of the request it was made for ("-" outside a request; see
# elevenlabs_bernie/request_id.py); gunicorn's JSON access log carries the same id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # client_ip: the address of the request being served (core/client_ip.py); request_id: its id
    # (elevenlabs_bernie/request_id.py); "-" outside a request.
    "filters": {
        "client_ip": {"()": "core.client_ip.ClientIPLogFilter"},
        "request_id": {"()": "elevenlabs_bernie.request_id.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s [%(client_ip)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_ip", "request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
