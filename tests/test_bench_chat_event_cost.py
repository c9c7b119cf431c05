"""Smoke of bench/chat_event_cost.py (issue 12): on a scratch PostgreSQL
database built by bench/dataset.py, a few messages through the real socket
door; it reports CPU and statements per message. The statement count is the
hot path's budget (BEGIN, five statements, COMMIT); the measured numbers are
in bench/RESULTS.md ("Stop 18").

PostgreSQL (TEST_DATABASE_URL(_PG)); absent, a skip (a failure under CI)."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mentoring.config import _normalise_db_url
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(180)]


def test_chat_event_cost_bench_runs():
    server = need_service("PostgreSQL", next(
        (u for u in (os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_DATABASE_URL_PG"))
         if u and u.startswith(("postgresql", "postgres:"))), None), 5432)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    name = f"bench_chatcost_{uuid.uuid4().hex[:8]}"  # bench/dataset.py creates it
    try:
        build = subprocess.run([sys.executable, "bench/dataset.py", "--server", server, "--database", name,
                                "--cases", "200"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert build.returncode == 0, build.stderr[-3000:]
        run = subprocess.run([sys.executable, "bench/chat_event_cost.py", "--server", server, "--database", name,
                              "--messages", "60", "--rooms", "2"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    finally:
        admin = create_engine(make_url(_normalise_db_url(server)), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["messages"] == 60 and result["clients"] == 22, result
    assert result["statements_per_message"] == 7, result  # BEGIN, 5 statements, COMMIT
    assert result["cpu_ms_per_message"] > 0, result
