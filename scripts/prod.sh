#!/usr/bin/env bash
# The production stack on one machine, in one command, without containers:
#
#   nginx :8080 ─┬─ /socket.io/ (ip_hash) ─ 2 gunicorn -k gevent processes (Socket.IO)
#                └─ everything else ─────── 2 gunicorn -k gevent processes (HTTP, least_conn)
#   flask --app wsgi scheduler (exactly one)      PostgreSQL, Redis (as installed here)
#
#   scripts/prod.sh              set up, migrate, start everything (Ctrl-C stops it)
#   PROD_SKIP_SETUP=1 scripts/prod.sh   skip scripts/setup.sh (already done)
#
# Every setting below can be overridden from the environment; docs/deploy.md
# explains each number. Processes are run by honcho (Procfile).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

[ "${PROD_SKIP_SETUP:-}" = "1" ] || scripts/setup.sh

export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/mentoring}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export MENTORING_MULTIPROCESS=1
export MENTORING_COMPRESS=0          # nginx compresses (gzip, brotli when its module is installed)
export MENTORING_TRUSTED_PROXIES=${MENTORING_TRUSTED_PROXIES:-1}   # nginx in front: real client addresses
export MENTORING_LISTEN=${MENTORING_LISTEN:-8080}
# Two HTTP processes, one per core, each its own gunicorn on its own port: nginx
# balances them (least_conn). Under one gunicorn master, nginx's few kept-alive
# upstream connections all stayed with one worker (0.47 vs 0.06 of a core, measured).
export MENTORING_HTTP_PORT1=${MENTORING_HTTP_PORT1:-8001}
export MENTORING_HTTP_PORT2=${MENTORING_HTTP_PORT2:-8002}
export MENTORING_HTTP_CONNECTIONS=${MENTORING_HTTP_CONNECTIONS:-200}   # requests one HTTP process takes at once
export MENTORING_HTTP_POOL=${MENTORING_HTTP_POOL:-10}                 # database connections of one HTTP process
export MENTORING_SOCKET_PORT1=${MENTORING_SOCKET_PORT1:-8101}
export MENTORING_SOCKET_PORT2=${MENTORING_SOCKET_PORT2:-8102}
export MENTORING_SOCKET_CONNECTIONS=${MENTORING_SOCKET_CONNECTIONS:-5000}
export MENTORING_SOCKET_POOL=${MENTORING_SOCKET_POOL:-20}
export MENTORING_SOCKET_OVERFLOW=${MENTORING_SOCKET_OVERFLOW:-10}
export MENTORING_RUN=${MENTORING_RUN:-$ROOT/instance/prod}
mkdir -p "$MENTORING_RUN"

# One SECRET_KEY shared by every process (a login made by one is accepted by all).
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s instance/prod_secret_key ] || (umask 077; .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/prod_secret_key)
  SECRET_KEY=$(cat instance/prod_secret_key)
  export SECRET_KEY
fi

echo "==> nginx"
if ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light
  else
    echo "nginx is missing: install it (apt-get install nginx-light)" >&2; exit 1
  fi
fi

echo "==> PostgreSQL and Redis"
pg_host_port=$(.venv/bin/python -c "from sqlalchemy.engine import make_url; u = make_url('$DATABASE_URL'); print(u.host or '127.0.0.1', u.port or 5432, u.database)")
read -r pg_host pg_port pg_db <<<"$pg_host_port"
if ! pg_isready -q -h "$pg_host" -p "$pg_port"; then
  [ -d /etc/postgresql ] && pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  pg_isready -q -t 20 -h "$pg_host" -p "$pg_port"
fi
psql "${DATABASE_URL%/*}/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$pg_db'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$pg_db\""
if ! .venv/bin/python -c "import redis, sys; redis.Redis.from_url('$REDIS_URL').ping()" 2>/dev/null; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  sleep 1
fi

echo "==> schema (a deploy step, never on web start-up)"
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi import-admin-units >/dev/null

echo "==> nginx configuration -> $MENTORING_RUN/nginx.conf"
# Brotli (smaller than gzip on a weak link) when Debian's module is there;
# gzip alone otherwise. The app itself does not compress behind nginx.
brotli_module=/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so
if [ ! -f "$brotli_module" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libnginx-mod-http-brotli-filter \
    >/dev/null 2>&1 || echo "brotli module not installed: nginx compresses with gzip only"
fi
rm -f "$MENTORING_RUN"/modules*.conf "$MENTORING_RUN"/compression*.conf
if [ -f "$brotli_module" ]; then
  echo "load_module $brotli_module;" > "$MENTORING_RUN/modules-brotli.conf"
  cat > "$MENTORING_RUN/compression-brotli.conf" <<'CONF'
brotli on;
brotli_comp_level 5;
brotli_min_length 1024;
brotli_types text/css application/javascript application/json application/manifest+json image/svg+xml;
CONF
fi
servers="        server 127.0.0.1:$MENTORING_SOCKET_PORT1;\n        server 127.0.0.1:$MENTORING_SOCKET_PORT2;"
http_servers="        server 127.0.0.1:$MENTORING_HTTP_PORT1;\n        server 127.0.0.1:$MENTORING_HTTP_PORT2;"
sed -e "s|@RUN@|$MENTORING_RUN|g" -e "s|@ROOT@|$ROOT|g" -e "s|@LISTEN@|$MENTORING_LISTEN|g" \
    -e "s|@HTTP_SERVERS@|$http_servers|" -e "s|@SOCKET_SERVERS@|$servers|" \
    deploy/nginx.conf.template > "$MENTORING_RUN/nginx.conf"
nginx -t -q -c "$MENTORING_RUN/nginx.conf"

# Thousands of sockets: each is a file descriptor in nginx and in a gevent process.
ulimit -n "$(ulimit -Hn)"
echo "==> http://127.0.0.1:$MENTORING_LISTEN  (Ctrl-C stops every process)"
exec .venv/bin/honcho start -f Procfile
