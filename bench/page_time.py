"""Time one page through the Flask test client on a benchmark database.

Logs in as an existing account of a database built by bench/dataset.py (the
password is in its bench_facts table), fetches the page once to warm caches,
then N times: prints the median and maximum time, the median CPU time of this
process (the app's, not the database server's) and the SQL statements per
request. With --explain, also runs EXPLAIN (ANALYZE, BUFFERS) on each SELECT
of one more request and prints the plans.

    .venv/bin/python bench/page_time.py --database bench_province /groups/overview [--runs 20] [--explain]
        [--profile FILE]

--profile FILE writes a pyinstrument text profile of the N timed requests
(pyinstrument in the venv). --method POST --json '{...}' sends a JSON body
(with --api, as the API's bearer token of the account instead of the login
cookie); a request other than GET runs inside one outer transaction that is
rolled back at the end (each request commits to a savepoint), so the
benchmark database is left as it was; SAVEPOINT, RELEASE and ROLLBACK TO
SAVEPOINT are not counted. --sql prints the statements of the last request.

--app-root DIR runs another checkout's `mentoring` package (e.g. the commit
before a change, from `git archive`), so before and after can be interleaved
on one database. Writes nothing but what the login writes (the last login)."""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if "--app-root" in sys.argv:  # before `mentoring` is first imported
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--app-root") + 1]).resolve()))

from sqlalchemy import event  # noqa: E402

import mentoring  # noqa: E402  (before dataset, which puts ROOT first on the path)
from mentoring import create_app  # noqa: E402
from mentoring.extensions import db  # noqa: E402
from dataset import DEFAULT_SERVER, facts, url_for_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="/groups/overview")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--database", default="bench_province")
    parser.add_argument("--email", default="coord1@bench.test", help="the account to log in as")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print the statements of the last request, shortened")
    parser.add_argument("--app-root", help="import `mentoring` from this directory instead")
    parser.add_argument("--profile", metavar="FILE", help="write a pyinstrument text profile of the timed requests")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--json", help="the JSON body of each request (with --method POST)")
    parser.add_argument("--api", action="store_true", help="authenticate with the API's bearer token")
    parser.add_argument("--status", type=int, help="the expected status (default 200, or 201 for POST)")
    args = parser.parse_args()
    url = url_for_database(args.server, args.database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MENTORING_SECURE_COOKIES": False})
    client = app.test_client()
    password = facts(url)["password"]
    headers = {}
    if args.api:
        response = client.post("/api/v1/auth/token", json={"email": args.email, "password": password})
        assert response.status_code in (200, 201), response.status_code
        headers["Authorization"] = f"Bearer {response.get_json()['token']}"
    else:
        response = client.post("/login", data={"email": args.email, "password": password})
        assert response.status_code in (302, 303), response.status_code
    with app.app_context():
        engine = db.engine
    method = args.method.upper()
    expected = args.status or (201 if method == "POST" else 200)
    body = json.loads(args.json) if args.json is not None else None
    rollback = _rolled_back(app) if method != "GET" else None
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO SAVEPOINT")):
            statements.append((statement, parameters))

    def request():
        return client.open(args.path, method=method, json=body, headers=headers)
    try:
        response = request()  # warm
        assert response.status_code == expected, (response.status_code, response.data[:500])
        event.listen(engine, "before_cursor_execute", before)
        profiler = None
        if args.profile:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0005)
            profiler.start()
        timings, cpu, counts = [], [], []
        for _ in range(args.runs):
            statements.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            response = request()
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == expected, response.status_code
            counts.append(len(statements))
        if profiler:
            profiler.stop()
            Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
        event.remove(engine, "before_cursor_execute", before)
    finally:
        if rollback:
            rollback()
    print(f"[{Path(mentoring.__file__).parent.parent}] {args.path} on {args.database} as {args.email}: "
          f"median {statistics.median(timings):.1f} ms (CPU {statistics.median(cpu):.1f} ms), "
          f"max {max(timings):.1f} ms over {args.runs} requests; {max(counts)} SQL statements a request; "
          f"{len(response.data):,} bytes")
    if args.sql:
        for i, (statement, _parameters) in enumerate(statements, 1):
            print(f"{i:3} {' '.join(statement.split())[:220]}")
    if args.explain and method == "GET":
        with engine.connect() as conn:
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                print("\n" + " ".join(statement.split()))
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or {}).all()
                print("\n".join(r[0] for r in rows))
            conn.rollback()


def _rolled_back(app):
    """Every request's session inside one outer transaction (each commit a
    savepoint), as the tests do; returns the function that rolls it back."""
    from flask_sqlalchemy.session import Session

    class Bound(Session):
        def get_bind(self, *args, **kwargs):
            return self.bind
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session({"bind": connection, "class_": Bound,
                                          "join_transaction_mode": "create_savepoint"})

    def undo():
        db.session = original
        outer.rollback()
        connection.close()
    return undo


if __name__ == "__main__":
    main()
