# Sourced by bin/run and bin/test: make .venv with Python 3.12+ and install the requirements.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
  for candidate in python3 python3.12 python3.13 python3.14 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.12 or newer is required (python3 --version says $(python3 --version 2>&1))" >&2
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  PY=$(find_python)
  rm -rf .venv
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements-installed
# MySQL support (mysqlclient) compiles against libmysqlclient: installed when DATABASE_URL is
# mysql://, or for the tests when the headers are there (WITH_MYSQL=1).
with_mysql=0
case "${DATABASE_URL:-}" in mysql:*) with_mysql=1;; esac
[ "${WITH_MYSQL:-0}" = 1 ] && with_mysql=1
wanted=$(cat requirements.txt; if [ "$with_mysql" = 1 ]; then cat requirements-mysql.txt; fi)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  if [ "$with_mysql" = 1 ]; then .venv/bin/python -m pip install --quiet -r requirements-mysql.txt; fi
  printf '%s' "$wanted" > "$stamp"
fi
