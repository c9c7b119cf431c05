#!/usr/bin/env bash
# Re-extract every translatable string and merge it into the vi and en
# catalogues. Then translate the new empty msgstr entries in
# mentoring/translations/vi/LC_MESSAGES/messages.po (tests fail while any is empty).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _p:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output \
  -o mentoring/translations/messages.pot . >/dev/null
.venv/bin/pybabel update -i mentoring/translations/messages.pot -d mentoring/translations \
  --no-fuzzy-matching --ignore-obsolete >/dev/null
.venv/bin/pybabel compile -d mentoring/translations --statistics
