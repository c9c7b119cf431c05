"""Two schedulers at once, then a restart: nothing twice, nothing missed.
(issue 12, faults)

On the throw-away cluster of bench/faults.py (PostgreSQL on :5440, database
bench_pgstop; never the shared one), gives N open district cases an
escalation deadline that has passed, then starts two real scheduler
processes at the same instant (`flask --app wsgi scheduler --once`, each
claims up to 200 due deadlines with FOR UPDATE SKIP LOCKED), then a third
one (the restart). Counts afterwards: deadlines left undone (missed), cases
escalated more than once (moved past the provincial tier), and
case.escalated notifications per case and recipient (sent twice).

    .venv/bin/python bench/faults.py --scenario pg-stop ...   # once: builds the cluster
    .venv/bin/python bench/schedulers.py --cases 300
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
URL = "postgresql+psycopg://postgres@127.0.0.1:5440/bench_pgstop"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    engine = create_engine(URL)
    with engine.begin() as conn:
        ids = conn.execute(text(
            "SELECT id FROM cases WHERE status = 'open' AND current_tier_code = 'district' "
            "AND id NOT IN (SELECT case_id FROM case_timers WHERE kind = 'escalation') ORDER BY id LIMIT :n"),
            {"n": args.cases}).scalars().all()
        conn.execute(text("INSERT INTO case_timers (case_id, kind, tier_code, due_at, created_at) "
                          "SELECT id, 'escalation', 'district', now() - interval '1 minute', "
                          "now() - interval '3 days' FROM cases WHERE id = ANY(:ids)"), {"ids": list(ids)})
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM notifications")).scalar()
    env = dict(os.environ, DATABASE_URL=URL.replace("+psycopg", ""), SECRET_KEY="bench", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--once"]
    t0 = time.monotonic()
    two = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
           for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0].decode() for p in two]
    restart = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=600)
    seconds = time.monotonic() - t0
    with engine.begin() as conn:
        missed = conn.execute(text("SELECT count(*) FROM case_timers WHERE kind = 'escalation' "
                                   "AND done_at IS NULL AND due_at <= now() AND case_id = ANY(:ids)"),
                              {"ids": list(ids)}).scalar()
        tiers = dict(conn.execute(text("SELECT current_tier_code, count(*) FROM cases WHERE id = ANY(:ids) "
                                       "GROUP BY current_tier_code"), {"ids": list(ids)}).all())
        twice = conn.execute(text(
            "SELECT count(*) FROM (SELECT user_id, link, count(*) FROM notifications WHERE id > :b "
            "AND kind = 'case.escalated' GROUP BY user_id, link HAVING count(*) > 1) AS d"), {"b": before}).scalar()
        sent = conn.execute(text("SELECT count(*) FROM notifications WHERE id > :b AND kind = 'case.escalated'"),
                            {"b": before}).scalar()
    engine.dispose()
    result = {"cases_due": len(ids), "schedulers_at_once": 2, "then_restarted": 1,
              "exit_codes": [p.returncode for p in two] + [restart.returncode],
              "tiers_after": tiers, "deadlines_missed": missed,
              "escalation_notifications": sent, "notified_twice": twice, "seconds": round(seconds, 1),
              "loadavg": round(os.getloadavg()[0], 1)}
    print(json.dumps(result))
    if any(p.returncode for p in two) or restart.returncode:
        print(outputs[0][-2000:], outputs[1][-2000:], restart.stdout.decode()[-2000:])
    sys.exit(1 if missed or twice or tiers.get("central") else 0)


if __name__ == "__main__":
    main()
