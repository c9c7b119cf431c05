#!/usr/bin/env bash
# A province's mix against the production stack, headless and bounded in time.
#
#   bench/load.sh USERS SECONDS [SPAWN_RATE]        e.g. bench/load.sh 200 120
#
# Starts (and stops at the end) the production stack of scripts/prod.sh on the
# benchmark database, the two ceilings (bench/bare_flask.py on the same
# gunicorn command, bench/node_ref.js), a process sampler (bench/procstat.py),
# then locust (bench/locustfile.py) with USERS users for SECONDS seconds.
# Results in $LOAD_OUT (default /tmp/load-USERS-<time>): locust CSVs, the chat
# ledger (sent/delivered/lost/doubled), process memory/CPU, the stack's log.
#
# Needs once: .venv (scripts/setup.sh dev), .venv-locust (below), the database:
#   .venv/bin/python bench/dataset.py --database bench_province --cases 20000
#   python3 -m venv .venv-locust && .venv-locust/bin/pip install -r bench/requirements-locust.txt
# Environment: LOAD_DB (bench_province), LOAD_REDIS (redis://127.0.0.1:6380/1: its own
# Redis, started here if absent), LOAD_GROUPS (300 chat groups), CHAT_INTERVAL (60 s
# between two messages of one member), LOAD_STACK=external (use a stack already on
# LOAD_PORT), LOAD_PORT (18080).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
USERS=${1:?users}
SECONDS_RUN=${2:?seconds}
RATE=${3:-$(( USERS / 20 > 5 ? USERS / 20 : 5 ))}
PORT=${LOAD_PORT:-18080}
OUT=${LOAD_OUT:-/tmp/load-$USERS-$(date +%H%M%S)}
DB_URL=postgresql://postgres@127.0.0.1:5432/${LOAD_DB:-bench_province}
REDIS=${LOAD_REDIS:-redis://127.0.0.1:6380/1}
mkdir -p "$OUT"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

redis_port=${REDIS##*:}; redis_port=${redis_port%%/*}
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  mkdir -p /tmp/load-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir /tmp/load-redis --logfile /tmp/load-redis/redis.log
fi

SOCKETS=${SOCKETS:-0}
NODE_SOCKETS=${NODE_SOCKETS:-0}
echo "==> users of the mix -> $OUT/users.json"
tokens=()
[ "$SOCKETS" -gt 0 ] && tokens=(--tokens)  # minted directly: no 3,000 password checks in the ramp
.venv/bin/python bench/dataset.py --database "${LOAD_DB:-bench_province}" --export "$OUT/users.json" \
  --groups "${LOAD_GROUPS:-300}" "${tokens[@]}" >/dev/null

ulimit -n "$(ulimit -Hn)"
if [ "${LOAD_STACK:-start}" = start ]; then
  echo "==> production stack on :$PORT (log: $OUT/stack.log)"
  PROD_SKIP_SETUP=1 DATABASE_URL=$DB_URL REDIS_URL=$REDIS MENTORING_SECURE_COOKIES=false \
    MENTORING_RUN=$OUT/run MENTORING_LISTEN=$PORT MENTORING_LOGIN_RATE_LIMIT="100000 per minute" \
    setsid scripts/prod.sh >"$OUT/stack.log" 2>&1 &
  pids+=($!)
fi
setsid .venv/bin/gunicorn -k gthread -w 2 --threads 8 -b 127.0.0.1:8201 --no-control-socket \
  bench.bare_flask:app >"$OUT/bare.log" 2>&1 &
pids+=($!)
setsid node bench/node_ref.js 8301 >"$OUT/node.log" 2>&1 &
pids+=($!)
for url in "http://127.0.0.1:$PORT/healthz" http://127.0.0.1:8201/bare http://127.0.0.1:8301/; do
  for _ in $(seq 120); do curl -sf -o /dev/null "$url" && break; sleep 1; done
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "stack not up"; tail -20 "$OUT/stack.log"; exit 1; }

before=$(psql "$DB_URL" -Atc "SELECT coalesce(max(id), 0) FROM chat_messages")
echo "==> load: $USERS users, $RATE/s spawn, ${SECONDS_RUN}s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
.venv/bin/python bench/procstat.py --seconds "$SECONDS_RUN" --interval 5 --out "$OUT/procstat.json" >/dev/null &
pids+=($!)
driver=
if [ "$SOCKETS" -gt 0 ] || [ "$NODE_SOCKETS" -gt 0 ]; then
  # ramped in at most half the run, so half of it at least is the full count
  socket_rate=${SOCKET_RATE:-$(( (SOCKETS + NODE_SOCKETS) * 2 / SECONDS_RUN > 20 ? (SOCKETS + NODE_SOCKETS) * 2 / SECONDS_RUN : 20 ))}
  echo "==> socket driver: $SOCKETS app sockets, $NODE_SOCKETS Node sockets (log: $OUT/sockets.log)"
  node bench/sockets.js --app "http://127.0.0.1:$PORT" --node http://127.0.0.1:8301 --users "$OUT/users.json" \
    --app-sockets "$SOCKETS" --node-sockets "$NODE_SOCKETS" --rate "$socket_rate" \
    --interval "${CHAT_INTERVAL:-60}" --seconds "$SECONDS_RUN" --sources "${SOCKET_SOURCES:-64}" --out "$OUT/sockets.json" >"$OUT/sockets.log" 2>&1 &
  driver=$!
  # locust's users are then all HTTP users: its chat clients would cost the box more than the chat
  export LOAD_WEIGHTS=${LOAD_WEIGHTS:-'{"ChatMember": 0, "NodeChatMember": 0}'}
fi
LOAD_DATA=$OUT/users.json LOAD_SUMMARY=$OUT/chat.json NODE_HOST=http://127.0.0.1:8301 \
  BARE_HOST=http://127.0.0.1:8201 .venv-locust/bin/locust -f bench/locustfile.py --headless \
  -u "$USERS" -r "$RATE" -t "${SECONDS_RUN}s" --host "http://127.0.0.1:$PORT" \
  --csv "$OUT/locust" --only-summary --stop-timeout 10 --reset-stats >"$OUT/locust.log" 2>&1 || true
if [ -n "$driver" ]; then
  wait "$driver" || echo "socket driver failed: $(tail -5 "$OUT/sockets.log")"
fi
stored=$(psql "$DB_URL" -Atc "SELECT count(*) FROM chat_messages WHERE id > $before")
echo "{\"stored_messages\": $stored}" > "$OUT/stored.json"
echo "==> done (load average: $(cut -d' ' -f1-3 /proc/loadavg)); stored chat messages: $stored"
.venv/bin/python bench/report.py "$OUT"
