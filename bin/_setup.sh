# Sourced by bin/run and bin/test: make .venv with Python 3.12+ and install the requirements
# (./bin/test also the test-only ones).
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
# Which requirement files this command needs: requirements.txt always; requirements-mysql.txt
# (mysqlclient compiles against libmysqlclient) when DATABASE_URL is mysql://, or for the tests
# when the headers are there (WITH_MYSQL=1); requirements-test.txt for ./bin/test (WITH_TESTS=1).
with_mysql=0
case "${DATABASE_URL:-}" in mysql:*) with_mysql=1;; esac
[ "${WITH_MYSQL:-0}" = 1 ] && with_mysql=1
files=(requirements.txt)
[ "$with_mysql" = 1 ] && files+=(requirements-mysql.txt)
[ "${WITH_TESTS:-0}" = 1 ] && files+=(requirements-test.txt)
# Each file is installed once and again whenever it changes (a stamp per file in .venv), so
# ./bin/run after ./bin/test installs nothing, and neither does ./bin/test after ./bin/run.
stale=0
for file in "${files[@]}"; do
  cmp -s "$file" ".venv/.installed-$file" || stale=1
done
if [ "$stale" = 1 ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  args=()
  for file in "${files[@]}"; do args+=(-r "$file"); done
  .venv/bin/python -m pip install --quiet "${args[@]}"
  for file in "${files[@]}"; do cp "$file" ".venv/.installed-$file"; done
fi
