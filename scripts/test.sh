#!/usr/bin/env bash
# The second command: install what the tests need and run the whole suite on
# SQLite, then on PostgreSQL (TEST_DATABASE_URL, default the local server).
# Redis (REDIS_URL, default the local server) is used by the multi-process tests.
# Tests whose server is absent skip with a reason; under CI (CI=true) they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev

# A real browser for the page tests: Debian's chromium, installed if we can.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "==> installing chromium (apt)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed; browser tests will skip"
fi

export TEST_DATABASE_URL_PG=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
export REDIS_URL_TESTS=${REDIS_URL:-redis://127.0.0.1:6379/0}
if [ "${CI:-}" = "true" ]; then
  export MENTORING_REQUIRE_SERVICES=1
fi

status=0
echo "==> tests on SQLite"
env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@" || status=$?

echo "==> tests on PostgreSQL ($TEST_DATABASE_URL_PG)"
if .venv/bin/python - "$TEST_DATABASE_URL_PG" <<'PY'
import socket, sys
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
try:
    socket.create_connection((u.hostname or "127.0.0.1", u.port or 5432), timeout=2).close()
except OSError:
    sys.exit(1)
PY
then
  # The browser and chat-benchmark style tests are database-agnostic; run them once.
  TEST_DATABASE_URL=$TEST_DATABASE_URL_PG .venv/bin/python -m pytest -m "not once" "$@" || status=$?
elif [ "${MENTORING_REQUIRE_SERVICES:-}" = "1" ]; then
  echo "PostgreSQL is required under CI but not reachable at $TEST_DATABASE_URL_PG"; status=1
else
  echo "SKIPPED: PostgreSQL not reachable at $TEST_DATABASE_URL_PG (set TEST_DATABASE_URL)"
fi
exit $status
