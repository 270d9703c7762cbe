#!/usr/bin/env bash
# The whole test suite: everything on SQLite, then the unit and functional tests again
# on PostgreSQL with Redis-backed huey (installed and started on loopback if missing).
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test || exit 1
bash scripts/browser.sh || exit 1
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider -n 2)

echo "== SQLite (whole suite, with branch coverage of portal/ and tenants/)"
"${PYTEST[@]}" --cov --cov-report=term:skip-covered --cov-fail-under=90 "$@"
sqlite_rc=$?

echo "== PostgreSQL + Redis (unit and functional tests)"
bash scripts/services.sh || exit 1
TEST_DATABASE_URL="postgresql://portal:portal@127.0.0.1:5432/portal_test" \
TEST_HUEY_URL="redis://127.0.0.1:6379/0" \
  "${PYTEST[@]}" -m "not browser and not sqlite_only" "$@"
pg_rc=$?

echo "== results: sqlite exit $sqlite_rc, postgresql exit $pg_rc"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
