#!/usr/bin/env bash
# The first command: set up and run the platform on SQLite with demo data at
# http://127.0.0.1:5000 (demo accounts: see README, password demo-password).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export FLASK_APP=wsgi
# Plain http on the loopback: cookies cannot be "Secure" here.
export MENTORING_SECURE_COOKIES=${MENTORING_SECURE_COOKIES:-false}
export MENTORING_SCHEDULER_EMBEDDED=${MENTORING_SCHEDULER_EMBEDDED:-true}

echo "==> database (instance/mentoring.db unless DATABASE_URL is set)"
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi seed-demo

echo "==> http://127.0.0.1:${PORT:-5000}  (Ctrl-C to stop)"
exec .venv/bin/flask --app wsgi serve --host 127.0.0.1 --port "${PORT:-5000}"
