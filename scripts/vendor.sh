#!/usr/bin/env bash
# Build the front-end files from pinned npm packages (package-lock.json) into
# mentoring/static/vendor/. Never committed; no CDN at run time.
#  - theme.css: Bootstrap compiled from its Sass sources with only the parts
#    we use and our colours (mentoring/static/scss/theme.scss), by npm `sass`;
#  - icons.svg: a sprite of the bootstrap-icons listed in scripts/icons.txt;
# The app serves every static file under a content-hashed name (mentoring/assets.py).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
dest=mentoring/static/vendor
rm -rf "$dest"
mkdir -p "$dest/socket.io"
node_modules/.bin/sass --style=compressed --no-source-map --load-path=node_modules \
  --quiet-deps --silence-deprecation=import,global-builtin,color-functions \
  mentoring/static/scss/theme.scss "$dest/theme.css"
node scripts/sprite.mjs scripts/icons.txt "$dest/icons.svg" >/dev/null
cp node_modules/socket.io-client/dist/socket.io.min.js{,.map} "$dest/socket.io/"
