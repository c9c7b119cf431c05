"""Smoke of bench/socket_memory.py (issue 12): one production Socket.IO
process (gunicorn -k gevent, bench/memory_conf.py) on a scratch PostgreSQL
database built by bench/dataset.py, 20 Node sockets in two rooms for a few
seconds. Every message is acknowledged, stored once and delivered to every
other member; the worker's looks at its memory (objects by type, glibc's
malloc counts) are written and compared. The 10-minute runs and their numbers
are in bench/RESULTS.md.

PostgreSQL and Redis (TEST_DATABASE_URL(_PG), REDIS_URL_TESTS) and
node_modules; absent, a skip (a failure under CI for the services)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


from tests.bench_database import bench_database
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(180)]


@pytest.mark.skipif(not (ROOT / "node_modules" / "socket.io-client").exists(),
                    reason="node_modules/socket.io-client is missing (npm ci)")
def test_socket_memory_bench_runs_and_loses_nothing(tmp_path):
    redis = need_service("Redis", os.environ.get("REDIS_URL_TESTS"), 6379)
    with bench_database("bench_sockmem") as (server, name, env):
        out = tmp_path / "run"
        run = subprocess.run([sys.executable, "bench/socket_memory.py", "--server", server, "--database", name,
                              "--redis", redis, "--sockets", "20", "--interval", "2", "--seconds", "20",
                              "--every", "5", "--port", "18151", "--out", str(out)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=150)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    app = result["driver"]["app"]
    assert app["sockets_peak"] == 20 and app["connect_failures"] == 0, app
    assert app["messages_sent"] > 0 and app["acked"] == app["messages_sent"] == result["stored_messages"], app
    assert app["deliveries"] == app["deliveries_expected"] > 0 and app["lost"] == 0 and app["doubled"] == 0, app
    assert result["census"]["to"]["malloc"]["in_use_mib"] > 0, result["census"]
    assert result["cpu_ms_per_message"] > 0 and "RSS after ramp" in run.stdout
