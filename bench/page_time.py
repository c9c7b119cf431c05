"""Time one page through the Flask test client on a benchmark database.

Logs in as an existing account of a database built by bench/dataset.py (the
password is in its bench_facts table), fetches the page once to warm caches,
then N times: prints the median and maximum time and the SQL statements per
request. With --explain, also runs EXPLAIN (ANALYZE, BUFFERS) on each SELECT
of one more request and prints the plans.

    .venv/bin/python bench/page_time.py --database bench_province /groups/overview [--runs 20] [--explain]

--app-root DIR runs another checkout's `mentoring` package (e.g. the commit
before a change, from `git archive`), so before and after can be interleaved
on one database. Writes nothing but what the login writes (the last login)."""
import argparse
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
    parser.add_argument("--app-root", help="import `mentoring` from this directory instead")
    args = parser.parse_args()
    url = url_for_database(args.server, args.database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MENTORING_SECURE_COOKIES": False})
    client = app.test_client()
    response = client.post("/login", data={"email": args.email, "password": facts(url)["password"]})
    assert response.status_code in (302, 303), response.status_code
    with app.app_context():
        engine = db.engine
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))
    assert client.get(args.path).status_code == 200  # warm
    event.listen(engine, "before_cursor_execute", before)
    timings, counts = [], []
    for _ in range(args.runs):
        statements.clear()
        t0 = time.perf_counter()
        response = client.get(args.path)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
        counts.append(len(statements))
    event.remove(engine, "before_cursor_execute", before)
    print(f"[{Path(mentoring.__file__).parent.parent}] {args.path} on {args.database} as {args.email}: "
          f"median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms over {args.runs} requests; {max(counts)} SQL statements a request; "
          f"{len(response.data):,} bytes")
    if args.explain:
        with engine.connect() as conn:
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                print("\n" + " ".join(statement.split()))
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or {}).all()
                print("\n".join(r[0] for r in rows))
            conn.rollback()


if __name__ == "__main__":
    main()
