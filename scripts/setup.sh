#!/usr/bin/env bash
# Prepare a checkout: Python virtualenv with pinned packages, front-end
# libraries from package-lock.json, compiled translations.
#   scripts/setup.sh          runtime packages
#   scripts/setup.sh dev      runtime + test/bench packages
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
requirements=requirements.txt
[ "${1:-}" = "dev" ] && requirements=requirements-dev.txt
echo "==> installing Python packages ($requirements)"
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements" 2>&1 \
  | sed "/^WARNING: Location .* is ignored/d"

echo "==> front-end libraries (npm ci -> mentoring/static/vendor)"
scripts/vendor.sh

echo "==> compiling translations"
.venv/bin/pybabel compile --use-fuzzy -d mentoring/translations -D messages --statistics 2>&1 | grep -v "^$" || true
