"""Smoke of the national-size generator and its EXPLAIN report (issue 12):
bench/national.py builds a tiny national data set (--scale 0.002: 20
groups, 2,000 cases, 20,000 messages) in a scratch PostgreSQL database, the
app serves every page bench/explain.py fetches from it, and the report has
the plans of each page's queries. It does not assert "no Seq Scan": on tables
this small the planner rightly prefers them (bench/RESULTS.md has the
national-size plans).

PostgreSQL only (COPY, generate_series, EXPLAIN's JSON): TEST_DATABASE_URL
or, in the SQLite pass scripts/test.sh runs `once` tests in,
TEST_DATABASE_URL_PG; absent, a skip (a failure under CI)."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(120)]


def _server() -> str:
    url = next((u for u in (os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_DATABASE_URL_PG"))
                if u and u.startswith(("postgresql", "postgres:"))), None)
    return need_service("PostgreSQL", url, 5432)


def test_tiny_national_build_serves_every_explained_page(tmp_path):
    from mentoring.config import _normalise_db_url
    server = _server()
    name = f"bench_national_smoke_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(_normalise_db_url(server)), isolation_level="AUTOCOMMIT")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        build = subprocess.run([sys.executable, str(ROOT / "bench" / "national.py"), "--server", server,
                                "--database", name, "--scale", "0.002", "--check-foreign-keys"],
                               capture_output=True, text=True, env=env, timeout=90)
        assert build.returncode == 0, build.stderr[-3000:]
        facts = json.loads(build.stdout.strip().splitlines()[-1])
        assert (facts["groups"], facts["users"], facts["cases"], facts["messages"]) == (20, 20 * 11 + 36, 2000,
                                                                                      20_000)
        engine = create_engine(make_url(_normalise_db_url(server)).set(database=name))
        with engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("cases", "chat_messages", "group_memberships", "teaching_sessions",
                                "session_attendance", "training_credits", "certificates", "audit_events")}
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        engine.dispose()
        assert counts["cases"] == 2000 and counts["chat_messages"] == 20_000
        assert counts["group_memberships"] == 220 and counts["teaching_sessions"] == 20 * 14
        assert min(counts.values()) > 0, counts
        assert head == sorted(p.name[:4] for p in (ROOT / "migrations" / "versions").glob("0*.py"))[-1]

        report_path = tmp_path / "explain.json"
        explain = subprocess.run([sys.executable, str(ROOT / "bench" / "explain.py"), "--server", server,
                                  "--database", name, "--json", str(report_path), "--big-rows", str(10**9)],
                                 capture_output=True, text=True, env=env, timeout=90)
        # --big-rows out of reach: the planner's Seq Scans on these small
        # tables are right, so only a failing page (or a crash) exits non-zero.
        assert explain.returncode == 0, (explain.stdout[-3000:], explain.stderr[-3000:])
        report = json.loads(report_path.read_text())
        sys.path.insert(0, str(ROOT / "bench"))
        try:
            from explain import pages
        finally:
            sys.path.remove(str(ROOT / "bench"))
        expected = [label for label, *_ in pages({"hot_room": 1}, {"case": 1})]
        assert [p["page"] for p in report] == expected
        for page in report:
            assert page["status"] == 200, page["page"]
            assert page["explained"], page["page"]
            for query in page["explained"]:
                assert query["nodes"] and query["ms"] >= 0 and query["sql"].upper().startswith(("SELECT", "WITH"))
        inbox = next(p for p in report if p["page"].startswith("/cases (district inbox"))
        assert any(" FROM cases" in q["sql"] for q in inbox["explained"]), "the inbox query was not captured"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
