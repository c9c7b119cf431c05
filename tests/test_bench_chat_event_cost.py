"""Smoke of bench/chat_event_cost.py (issue 12): on a scratch PostgreSQL
database built by bench/dataset.py, a few messages through the real socket
door; it reports CPU and statements per message. The statement count is the
hot path's budget (BEGIN, five statements, COMMIT); the measured numbers are
in bench/RESULTS.md ("Stop 18").

PostgreSQL (TEST_DATABASE_URL(_PG)); absent, a skip (a failure under CI)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench_database import bench_database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(180)]


def test_chat_event_cost_bench_runs():
    with bench_database("bench_chatcost") as (server, name, env):
        run = subprocess.run([sys.executable, "bench/chat_event_cost.py", "--server", server, "--database", name,
                              "--messages", "60", "--rooms", "2"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["messages"] == 60 and result["clients"] == 22, result
    assert result["statements_per_message"] == 7, result  # BEGIN, 5 statements, COMMIT
    assert result["cpu_ms_per_message"] > 0, result
