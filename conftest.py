"""Root test configuration: environment for tests, shared fixtures."""

import os
import tempfile

# Tests run with DEBUG off (as production) but need a key; storage and cache go to
# throwaway folders so a run never touches the developer's files.
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
_tmp = tempfile.mkdtemp(prefix="bernie-tests-")
os.environ.setdefault("MEDIA_ROOT", os.path.join(_tmp, "media"))
os.environ.setdefault("CACHE_DIR", os.path.join(_tmp, "cache"))
