"""Competency benchmark: 50,000 workers and 1,000,000 training credits on PostgreSQL.

Builds the national cascade of bench/national.py in a scratch database, adds
workers up to 50,000 across the facilities, 20 credits each (1,000,000 rows,
over the last six years, four kinds), certificates for part of them (valid,
expired, "ready for the electronic health record") and an EHR go-live date
for every commune station and regional centre. Then times the coordinator's
dashboard (by province, group, facility; both programmes), the readiness view
and the CSV and XLSX exports of all 50,000 rows, counts their queries, and
prints the gist of the EXPLAIN plans. Each export runs in a fresh process so
its peak memory (ru_maxrss) is its own.

    .venv/bin/python bench/competency.py [--server postgresql://postgres@127.0.0.1:5432/test] [--runs 5] [--keep]

Writes nothing outside its own scratch database (bench_competency_<random>, dropped at the end)."""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import event, insert, select, text  # noqa: E402

from mentoring.extensions import db  # noqa: E402
from national import PASSWORD, build, scratch_app  # noqa: E402

WORKERS = 50_000
CREDITS_EACH = 20


def add_competency_data() -> dict:
    from mentoring.auth.models import User
    from mentoring.competency import frameworks, programmes
    from mentoring.org.models import Facility
    frameworks.load_shipped()
    programmes.load_shipped()
    db.session.commit()
    have = db.session.execute(text("SELECT count(*) FROM users WHERE role = 'worker'")).scalar()
    facilities = db.session.execute(select(Facility.id, Facility.tier_code).where(
        Facility.tier_code != "central").order_by(Facility.id)).all()
    template = db.session.execute(select(User).where(User.role == "worker").limit(1)).unique().scalar_one()
    rows = []
    for i in range(WORKERS - have):
        fid, tier = facilities[i % len(facilities)]
        rows.append(dict(email=f"w{i}@bench.test", full_name=f"Nhân viên y tế {i}", password_hash=template.password_hash,
                         role="worker", tier_code=tier, facility_id=fid, language="vi", timezone="Asia/Ho_Chi_Minh",
                         active=True, auth_version=1, created_at=template.created_at))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start:start + 5000])
    db.session.commit()
    cme = programmes.get_programme("cme-120h-5y").id
    ehr = programmes.get_programme("ehr-ready").id
    statements = [
        # 20 credits a worker, over the last ~6 years, four kinds, hours varying by person.
        f"""INSERT INTO training_credits (user_id, source_kind, source_id, hours, earned_at, title, created_at, updated_at)
            SELECT u.id, (ARRAY['session','presentation','case_answer','outside_course'])[1 + g % 4], g,
                   (CASE g % 4 WHEN 0 THEN 1.5 WHEN 1 THEN 1.0 WHEN 2 THEN 0.5 ELSE 8 END) * (1 + u.id % 4),
                   now() - ((abs(hashtext(u.id::text || '-' || g::text)) % 2190) || ' days')::interval,
                   '', now(), now()
            FROM users u CROSS JOIN generate_series(1, {CREDITS_EACH}) g WHERE u.role = 'worker'""",
        f"""INSERT INTO certificates (code, user_id, programme_id, issued_on, expires_on, hours, badge_salt, created_at)
            SELECT upper(substr(md5(u.id::text || 'cme'), 1, 24)), u.id, {cme}, current_date - 365,
                   current_date + 1461, 120, 'x', now() FROM users u WHERE u.role = 'worker' AND u.id % 4 = 0""",
        f"""INSERT INTO certificates (code, user_id, programme_id, issued_on, expires_on, hours, badge_salt, created_at)
            SELECT upper(substr(md5(u.id::text || 'old'), 1, 24)), u.id, {cme}, current_date - 2200,
                   current_date - 374, 120, 'x', now() FROM users u WHERE u.role = 'worker' AND u.id % 10 = 1""",
        f"""INSERT INTO certificates (code, user_id, programme_id, issued_on, expires_on, hours, badge_salt, created_at)
            SELECT upper(substr(md5(u.id::text || 'ehr'), 1, 24)), u.id, {ehr}, current_date - 100,
                   current_date + 995, 0, 'x', now() FROM users u WHERE u.role = 'worker' AND u.id % 3 = 0""",
        """INSERT INTO ehr_rollouts (facility_id, go_live_on, updated_at)
           SELECT id, current_date + ((id * 37) % 240 - 60), now() FROM facilities
           WHERE tier_code IN ('commune', 'district')""",
    ]
    for sql in statements:
        db.session.execute(text(sql))
        db.session.commit()
    # As autovacuum would have by now: statistics, and the visibility map that
    # lets the covering indexes answer without reading the table.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return {name: db.session.execute(text(f"SELECT count(*) FROM {name}")).scalar()
            for name in ("users", "training_credits", "certificates", "ehr_rollouts")} | {
        "workers": db.session.execute(text("SELECT count(*) FROM users WHERE role = 'worker'")).scalar()}


def measure(app, runs: int) -> tuple[list, object]:
    from mentoring.auth.services import create_user
    with app.app_context():
        create_user(email="coord@bench.test", full_name="Điều phối", password=PASSWORD, role="coordinator")
        province = db.session.execute(text("SELECT province_code FROM facilities GROUP BY province_code "
                                           "ORDER BY count(*) DESC LIMIT 1")).scalar()
        group = db.session.execute(text("SELECT min(id) FROM mentoring_groups")).scalar()
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    client.post("/login", data={"email": "coord@bench.test", "password": PASSWORD})
    pages = [
        ("GET /competency/dashboard (by province, 50,000 workers)", "/competency/dashboard"),
        ("GET /competency/dashboard?by=group", "/competency/dashboard?by=group"),
        ("GET /competency/dashboard?by=facility&province_code=P", f"/competency/dashboard?by=facility&province_code={province}"),
        ("GET /competency/dashboard?status=at_risk&page=40", "/competency/dashboard?status=at_risk&page=40"),
        ("GET /competency/dashboard?group_id=G (one group)", f"/competency/dashboard?group_id={group}"),
        ("GET /competency/dashboard?programme=ehr-ready", "/competency/dashboard?programme=ehr-ready"),
        ("GET /competency/readiness (national)", "/competency/readiness"),
        ("GET /competency/readiness?province_code=P", f"/competency/readiness?province_code={province}"),
    ]
    results = []
    for label, path in pages:
        timings, count = [], {"n": 0}

        def before(*_a):
            count["n"] += 1
        event.listen(engine, "before_cursor_execute", before)
        cpu = []
        for i in range(runs + 1):
            count["n"] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(path)
            elapsed, spent = time.perf_counter() - t0, time.process_time() - c0
            assert response.status_code == 200, (path, response.status_code)
            if i:
                timings.append(elapsed * 1000)
                cpu.append(spent * 1000)
        event.remove(engine, "before_cursor_execute", before)
        results.append((label, statistics.median(timings), max(timings), statistics.median(cpu), count["n"]))
    return results, app


def explain(app) -> list[str]:
    """The gist of the plans: the dashboard's GROUP BY and the readiness query."""
    from sqlalchemy.dialects import postgresql

    from mentoring.competency import dashboard, programmes, readiness
    out = []
    with app.app_context():
        programme = programmes.default_programme()
        workers = dashboard.worker_status_select(programme).subquery()
        from sqlalchemy import func
        agg = select(workers.c.province_code, workers.c.status, func.count()).group_by(
            workers.c.province_code, workers.c.status)
        for name, stmt in (("dashboard by province", agg), ("readiness by facility", readiness.facilities_select())):
            sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql)).scalars().all()
            out.append(f"-- {name}")
            out.extend(line for line in plan if any(k in line for k in (
                "Scan", "Join", "Aggregate", "Sort", "Execution", "Planning")))
    return out


def export_in_child(url: str, kind: str) -> dict:
    """Run one export in a fresh process; report time, rows, bytes and its peak RSS."""
    done = subprocess.run([sys.executable, __file__, "--export", kind, "--url", url],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_only(url: str, kind: str) -> None:
    from mentoring import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MENTORING_SECURE_COOKIES": False})
    client = app.test_client()
    client.post("/login", data={"email": "coord@bench.test", "password": PASSWORD})
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    response = client.get(f"/competency/dashboard.{kind}", buffered=False)
    size = lines = 0
    target = Path(f"/tmp/bench_competency_export.{kind}").open("wb")
    for chunk in response.iter_encoded():
        size += len(chunk)
        lines += chunk.count(b"\n")
        target.write(chunk)
    target.close()
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    print(json.dumps({"kind": kind, "seconds": round(elapsed, 2),
                      "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu0, 2), "bytes": size,
                      "csv_lines": lines if kind == "csv" else None, "file": target.name,
                      "rss_before_mb": round(base_rss), "rss_peak_mb": round(peak)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--export", choices=["csv", "xlsx"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.export:
        export_only(args.url, args.export)
        return
    with scratch_app(args.server, "bench_competency", keep=args.keep) as app:
        t0 = time.perf_counter()
        with app.app_context():
            build(app)
            sizes = add_competency_data()
        print(f"built {sizes} in {time.perf_counter() - t0:.1f}s")
        results, app = measure(app, args.runs)
        print(f"{'request':<58} {'median ms':>10} {'max ms':>8} {'app CPU ms':>10} {'queries':>8}")
        for label, median, worst, cpu, queries in results:
            print(f"{label:<58} {median:>10.1f} {worst:>8.1f} {cpu:>10.1f} {queries:>8}")
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        for kind in ("csv", "xlsx"):
            result = export_in_child(url, kind)
            if kind == "xlsx":
                from openpyxl import load_workbook
                sheet = load_workbook(result["file"], read_only=True).active
                result["xlsx_rows"] = sum(1 for _ in sheet.iter_rows(values_only=True))
            print(result)
        for line in explain(app):
            print(line)


if __name__ == "__main__":
    main()
