"""The national cascade alone, in seconds: 10,000 groups of 1 + 4 + 4 + 2
(110,000 accounts) and five coordinators, no facilities, cases or messages,
for the pages that read only the cascade (the coordinator's overview and
home). bench/national.py --scale 1 builds the whole national data set
(25 minutes); this builds its cascade the same shape, by INSERT ... SELECT.

    .venv/bin/python bench/cascade_only.py --database bench_cascade [--groups 10000]
    .venv/bin/python bench/page_time.py --database bench_cascade /groups/overview
    .venv/bin/python bench/cascade_only.py --database bench_cascade --drop

Some groups are short: in every 20th group the second commune member has
left (left_on set), in every 97th the mentor's membership has ended (598
incomplete groups of 10,000). Writes bench_facts (the password) as bench/dataset.py
does, so bench/page_time.py can log in."""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from dataset import DEFAULT_SERVER, url_for_database  # noqa: E402
from mentoring import create_app  # noqa: E402
from mentoring.config import _normalise_db_url  # noqa: E402
from mentoring.extensions import db  # noqa: E402
from national import PASSWORD, PER_GROUP  # noqa: E402

# Slot s of a group (0..10) is at this tier: the order of national.SLOT_TIERS.
SLOT_TIER_SQL = ("CASE WHEN s = 0 THEN 'central' WHEN s <= 4 THEN 'provincial' "
                 "WHEN s <= 8 THEN 'district' ELSE 'commune' END")


def build(url: str, groups: int) -> dict:
    from mentoring.org.models import Tier
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        db.create_all()
        db.session.add_all([Tier(code=c, rank=i) for i, c in
                            enumerate(("central", "provincial", "district", "commune"), 1)])
        db.session.flush()
        run = lambda sql, **p: db.session.execute(text(sql), p)  # noqa: E731
        # Group g's slot s is account (g-1)*11+s+1, as in bench/national.py.
        run(f"""INSERT INTO users (id, email, full_name, password_hash, role, tier_code, language, timezone,
                                   active, auth_version, created_at)
                SELECT (g - 1) * {PER_GROUP} + s + 1, 'u' || ((g - 1) * {PER_GROUP} + s + 1) || '@bench.test',
                       'Người dùng ' || ((g - 1) * {PER_GROUP} + s + 1), :pw,
                       CASE WHEN s = 0 THEN 'mentor' ELSE 'worker' END, {SLOT_TIER_SQL},
                       'vi', 'Asia/Ho_Chi_Minh', true, 1, now()
                FROM generate_series(1, :groups) g, generate_series(0, {PER_GROUP - 1}) s""",
            pw=pw, groups=groups)
        run("""INSERT INTO users (id, email, full_name, password_hash, role, language, timezone, active,
                                  auth_version, created_at)
               SELECT :base + i, 'coord' || i || '@bench.test', 'Điều phối ' || i, :pw, 'coordinator',
                      'vi', 'Asia/Ho_Chi_Minh', true, 1, now() FROM generate_series(1, 5) i""",
            base=groups * PER_GROUP, pw=pw)
        run("INSERT INTO mentoring_groups (id, name, created_at) "
            "SELECT g, 'Nhóm ' || g, now() FROM generate_series(1, :groups) g", groups=groups)
        run(f"""INSERT INTO group_memberships (id, group_id, user_id, tier_code, role, joined_on, left_on)
                SELECT (g - 1) * {PER_GROUP} + s + 1, g, (g - 1) * {PER_GROUP} + s + 1, {SLOT_TIER_SQL},
                       CASE WHEN s = 0 THEN 'mentor' ELSE 'member' END, DATE '2025-01-01',
                       CASE WHEN (s = 10 AND g % 20 = 0) OR (s = 0 AND g % 97 = 0) THEN DATE '2026-01-01' END
                FROM generate_series(1, :groups) g, generate_series(0, {PER_GROUP - 1}) s""", groups=groups)
        for table in ("users", "mentoring_groups", "group_memberships"):
            run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        run("CREATE TABLE bench_facts (body text)")
        facts = {"groups": groups, "users": groups * PER_GROUP + 5, "password": PASSWORD,
                 "coordinator_email": "coord1@bench.test"}
        run("INSERT INTO bench_facts VALUES (:b)", b=json.dumps(facts))
        from flask_migrate import stamp
        stamp(directory=str(ROOT / "migrations"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.execute(text("VACUUM ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return facts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--database", required=True)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    admin = create_engine(make_url(_normalise_db_url(args.server)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if args.drop:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
            return
        conn.execute(text(f'CREATE DATABASE "{args.database}"'))
    admin.dispose()
    t0 = time.perf_counter()
    facts = build(url_for_database(args.server, args.database), args.groups)
    print(f"built {args.database} in {time.perf_counter() - t0:.1f} s: {facts}")


if __name__ == "__main__":
    main()
