"""National-scale cascade benchmark.

Builds, in a scratch PostgreSQL database, one 1-4-4-2 group per two commune
health stations across Vietnam (3,321 communes -> 1,660 groups, ~18,000
accounts, ~3,400 facilities), then times the pages and API calls that read
the cascade, and counts their SQL queries.

    .venv/bin/python bench/national.py [--server postgresql://postgres@127.0.0.1:5432/test] [--runs 7]

Writes nothing outside its own scratch database (dropped at the end)."""
import argparse
from contextlib import contextmanager
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from mentoring import create_app  # noqa: E402
from mentoring.config import _normalise_db_url  # noqa: E402
from mentoring.extensions import db  # noqa: E402

PASSWORD = "bench-password-1"


def build(app) -> dict:
    from mentoring.auth.models import User
    from mentoring.org.models import Commune, Facility, GroupMembership, MentoringGroup, Tier
    from mentoring.org.services import import_admin_units
    db.create_all()
    db.session.add_all([Tier(code=c, rank=i) for i, c in
                        enumerate(("central", "provincial", "district", "commune"), 1)])
    import_admin_units()
    db.session.commit()
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    communes = db.session.execute(select(Commune).order_by(Commune.province_code, Commune.code)).scalars().all()
    by_province: dict[int, list] = {}
    for c in communes:
        by_province.setdefault(c.province_code, []).append(c)
    facilities, users, groups, members = [], [], [], []
    fid = uid = gid = mid = 0

    def facility(name, kind, tier, province, commune=None):
        nonlocal fid
        fid += 1
        facilities.append(dict(id=fid, name=name, kind=kind, tier_code=tier, province_code=province,
                               commune_code=commune, active=True))
        return fid

    def user(role, tier, facility_id, n):
        nonlocal uid
        uid += 1
        users.append(dict(id=uid, email=f"u{uid}@bench.test", full_name=f"Người dùng {uid}",
                          password_hash=pw, role=role, tier_code=tier, facility_id=facility_id,
                          language="vi", timezone="Asia/Ho_Chi_Minh", active=True, auth_version=1))
        return uid

    def member(group_id, user_id, tier, role="member"):
        nonlocal mid
        mid += 1
        members.append(dict(id=mid, group_id=group_id, user_id=user_id, tier_code=tier, role=role,
                            joined_on=date(2026, 1, 1)))

    central = facility("Bệnh viện Trung ương (bench)", "central_hospital", "central", 1)
    for province, items in by_province.items():
        hospital = facility(f"BVĐK tỉnh {province}", "provincial_hospital", "provincial", province)
        for i in range(0, len(items) - 1, 2):
            gid += 1
            groups.append(dict(id=gid, name=f"Nhóm {gid}"))
            centre = facility(f"TTYT khu vực {province}-{i}", "regional_health_centre", "district", province)
            member(gid, user("mentor", "central", central, gid), "central", "mentor")
            for _ in range(4):
                member(gid, user("worker", "provincial", hospital, gid), "provincial")
            for _ in range(4):
                member(gid, user("worker", "district", centre, gid), "district")
            for commune in items[i:i + 2]:
                station = facility(f"Trạm Y tế {commune.name} ({commune.code})", "commune_health_station",
                                   "commune", province, commune.code)
                member(gid, user("worker", "commune", station, gid), "commune")
    now = {"created_at": app.config.get("BENCH_NOW")}
    for model, rows in ((Facility, facilities), (User, users), (MentoringGroup, groups),
                        (GroupMembership, members)):
        for start in range(0, len(rows), 5000):
            chunk = rows[start:start + 5000]
            if model in (User, MentoringGroup):
                chunk = [dict(r, **now) for r in chunk]
            db.session.execute(insert(model), chunk)
    db.session.commit()
    for table in ("facilities", "users", "mentoring_groups", "group_memberships"):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT max(id) FROM {table}))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"groups": len(groups), "users": len(users), "facilities": len(facilities),
            "memberships": len(members)}


def measure(app, runs: int) -> list[tuple[str, float, float, int]]:
    from mentoring.auth.services import create_user, issue_token
    from mentoring.org.models import GroupMembership
    with app.app_context():
        coordinator = create_user(email="coord@bench.test", full_name="Điều phối", password=PASSWORD,
                                  role="coordinator")
        raw, _ = issue_token(coordinator)
        commune_user_id = db.session.execute(select(GroupMembership.user_id).where(
            GroupMembership.tier_code == "commune").limit(1)).scalar()
        from mentoring.auth.models import User
        commune_email = db.session.get(User, commune_user_id).email
        db.session.commit()
    coordinator_client = app.test_client()
    coordinator_client.post("/login", data={"email": "coord@bench.test", "password": PASSWORD})
    worker_client = app.test_client()
    worker_client.post("/login", data={"email": commune_email, "password": PASSWORD})
    api_headers = {"Authorization": f"Bearer {raw}"}
    cases = [
        ("GET /groups/overview (coordinator, all groups)", coordinator_client, "/groups/overview", {}),
        ("GET /api/v1/groups?page=1 (coordinator)", coordinator_client, "/api/v1/groups?page=1", api_headers),
        ("GET /api/v1/groups?page=60 (coordinator)", coordinator_client, "/api/v1/groups?page=60", api_headers),
        ("GET /groups (coordinator, page 1)", coordinator_client, "/groups", {}),
        ("GET / (coordinator)", coordinator_client, "/", {}),
        ("GET /groups (commune worker)", worker_client, "/groups", {}),
        ("GET / (commune worker)", worker_client, "/", {}),
        ("GET /facilities?q=trạm y tế xã (search)", worker_client, "/facilities?q=tr%E1%BA%A1m%20y%20t%E1%BA%BF%20x%C3%A3", {}),
    ]
    results = []
    with app.app_context():
        engine = db.engine
    for label, client, path, headers in cases:
        timings = []
        count = {"n": 0}

        def before(*_a):
            count["n"] += 1
        event.listen(engine, "before_cursor_execute", before)
        for i in range(runs + 1):
            count["n"] = 0
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, (path, response.status_code)
            if i:  # the first run warms caches
                timings.append(elapsed * 1000)
        event.remove(engine, "before_cursor_execute", before)
        results.append((label, statistics.median(timings), max(timings), count["n"]))
    return results


@contextmanager
def scratch_app(server: str, prefix: str, keep: bool = False):
    """An app on a scratch PostgreSQL database <prefix>_<random>, dropped at
    the end (unless keep: for EXPLAIN by hand)."""
    from mentoring import clock
    base = make_url(_normalise_db_url(server))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": base.set(database=name).render_as_string(False),
                          "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                          "MENTORING_SECURE_COOKIES": False, "BENCH_NOW": clock.now(),
                          "MENTORING_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with scratch_app(args.server, "bench_national") as app:
        t0 = time.perf_counter()
        with app.app_context():
            sizes = build(app)
        print(f"built {sizes} in {time.perf_counter() - t0:.1f}s")
        print(f"{'request':<50} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for label, median, worst, queries in measure(app, args.runs):
            print(f"{label:<50} {median:>10.1f} {worst:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
