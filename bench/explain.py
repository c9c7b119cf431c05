"""EXPLAIN every list and dashboard query at national size (issue 12).

Against a database built by `bench/national.py --database NAME --scale S`,
fetches the app's list and dashboard pages and API calls through the Flask
test client as the users who open them (the hot group's commune and district
workers, its central mentor, a coordinator, an administrator), records every
SELECT each request sends (SQLAlchemy's before_cursor_execute: the real SQL
and its parameters), then runs `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` on
each, with those parameters.

    .venv/bin/python bench/explain.py --database bench_national [--json report.json] [--markdown]

Per query it reports the page, the plan's node types (pre-order), the indexes
used, the sequential scans on tables holding more than --big-rows rows, and
the execution time. Exits 1 if any such big-table Seq Scan appears (so a
smoke or CI job can assert it), 0 otherwise; --slow-ms only flags. A Seq
Scan right under a Limit (a capped count) reads only that many rows and is
reported apart, not failed.

Each page is fetched once before recording so caches (user loader, templates)
are warm. Writes made by the pages themselves (an audit row for a case read,
last-login times) land in the benchmark database; nothing else is written
except one API token per API user."""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from mentoring import create_app  # noqa: E402
from mentoring.config import _normalise_db_url  # noqa: E402
from mentoring.extensions import db  # noqa: E402


def pages(facts: dict, ids: dict) -> list[tuple[str, str, str, bool]]:
    """(label, who, path, api): `who` is a key of the logins made in run()."""
    case, room = ids["case"], facts["hot_room"]
    return [
        ("home (commune worker)", "commune", "/", False),
        ("/cases (district inbox, hot group)", "district", "/cases", False),
        ("/cases?page=20 (district inbox)", "district", "/cases?page=20", False),
        ("/cases/<id> (open case, district)", "district", f"/cases/{case}", False),
        ("/cases/search?q=đau ngực (district)", "district", "/cases/search?q=%C4%91au%20ng%E1%BB%B1c", False),
        ("/api/v1/cases?status=open (district)", "district", "/api/v1/cases?status=open", True),
        ("/api/v1/cases (coordinator, all)", "coordinator", "/api/v1/cases", True),
        ("/groups/overview (coordinator)", "coordinator", "/groups/overview", False),
        ("/groups (coordinator)", "coordinator", "/groups", False),
        ("/api/v1/groups (coordinator)", "coordinator", "/api/v1/groups", True),
        ("home (coordinator)", "coordinator", "/", False),
        ("home (central mentor)", "mentor", "/", False),
        ("/sessions (commune worker)", "commune", "/sessions", False),
        ("/api/v1/sessions (commune worker)", "commune", "/api/v1/sessions", True),
        ("/progress (commune worker)", "commune", "/progress", False),
        ("/competency/dashboard (coordinator)", "coordinator", "/competency/dashboard", False),
        ("/competency/readiness (coordinator)", "coordinator", "/competency/readiness", False),
        ("/competency/courses (coordinator)", "coordinator", "/competency/courses", False),
        ("/chat (commune worker)", "commune", "/chat", False),
        ("/chat/<hot room> (commune worker)", "commune", f"/chat/{room}", False),
        ("/api/v1/rooms (commune worker)", "commune", "/api/v1/rooms", True),
        ("/api/v1/rooms/<hot>/messages (commune)", "commune", f"/api/v1/rooms/{room}/messages", True),
        ("/notifications (commune worker)", "commune", "/notifications", False),
        ("/admin/audit (admin)", "admin", "/admin/audit", False),
        ("/admin/users (admin)", "admin", "/admin/users", False),
    ]


def walk(node: dict, out: list) -> None:
    out.append(node)
    for child in node.get("Plans", []):
        walk(child, out)


def limited_scans(node: dict, under_limit: bool = False, out: set | None = None) -> set:
    """The Seq Scans a LIMIT stops (a Limit right above them, through nothing
    but Subquery Scans): they read at most that many rows, not the table
    (a capped count, `SELECT count(*) FROM (SELECT ... LIMIT 10001)`)."""
    out = set() if out is None else out
    kind = node["Node Type"]
    if kind == "Seq Scan" and under_limit:
        out.add(id(node))
    for child in node.get("Plans", []):
        limited_scans(child, kind == "Limit" or (under_limit and kind == "Subquery Scan"), out)
    return out


def summarise(plan: dict, big: dict[str, float], big_rows: int) -> dict:
    nodes: list[dict] = []
    walk(plan["Plan"], nodes)
    seq = sorted({n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"})
    limited = limited_scans(plan["Plan"])
    unbounded = {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan" and id(n) not in limited}
    return {
        "nodes": [n["Node Type"] for n in nodes],
        "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
        "seq_scans": seq,
        "big_seq_scans": [t for t in seq if big.get(t, 0) > big_rows and t in unbounded],
        "limited_seq_scans": [t for t in seq if big.get(t, 0) > big_rows and t not in unbounded],
        "ms": round(plan["Execution Time"], 2),
        "planning_ms": round(plan.get("Planning Time", 0), 2),
        "rows": plan["Plan"].get("Actual Rows"),
    }


def run(database_url: str, big_rows: int = 10_000) -> list[dict]:
    from mentoring.auth.models import User
    from mentoring.auth.services import issue_token
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MENTORING_SECURE_COOKIES": False,
                      "MENTORING_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        facts = json.loads(db.session.execute(text("SELECT body FROM bench_facts")).scalar())
        # The case a district worker opens from the inbox: the hot group's newest open case at their tier.
        ids = {"case": db.session.execute(text(
            "SELECT id FROM cases WHERE group_id = :g AND status = 'open' AND current_tier_code = 'district' "
            "ORDER BY id DESC LIMIT 1"), {"g": facts["hot_group"]}).scalar()}
        big = dict(db.session.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace")).all())
        emails = {"commune": facts["hot_commune_email"], "district": facts["hot_district_email"],
                  "mentor": facts["hot_mentor_email"], "coordinator": facts["coordinator_email"],
                  "admin": facts["admin_email"]}
        tokens = {}
        for who, email in emails.items():
            user = db.session.execute(select(User).where(User.email == email)).scalar_one()
            tokens[who] = issue_token(user)[0]
        db.session.commit()
        engine = db.engine
    clients = {}
    for who, email in emails.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": facts["password"]})
        assert response.status_code in (302, 303), (who, response.status_code)
        clients[who] = client

    report = []
    for label, who, path, api in pages(facts, ids):
        headers = {"Authorization": f"Bearer {tokens[who]}"} if api else {}
        client = clients[who] if not api else app.test_client()
        client.get(path, headers=headers)  # warm: the first fetch fills caches
        captured: list[tuple[str, object]] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
                captured.append((statement, parameters))
        event.listen(engine, "before_cursor_execute", before)
        t0 = time.perf_counter()
        try:
            response = client.get(path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", before)
        page_ms = (time.perf_counter() - t0) * 1000
        seen: dict[str, dict] = {}
        with engine.connect() as conn:
            for statement, parameters in captured:
                if statement in seen:  # the same SQL again (another id): counted, explained once
                    seen[statement]["repeats"] += 1
                    continue
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                            parameters or {}).scalar()
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                entry = summarise(plan, big, big_rows)
                entry.update(sql=" ".join(statement.split()), repeats=1)
                seen[statement] = entry
            conn.rollback()
        report.append({"page": label, "path": path, "status": response.status_code,
                       "page_ms": round(page_ms, 1), "queries": len(captured), "explained": list(seen.values())})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return report


def short_sql(sql: str) -> str:
    """FROM <first table> [WHERE ...] in a few words, to tell a page's queries apart."""
    low = sql.lower()
    start = low.find(" from ")
    table = sql[start + 6:].split()[0] if start >= 0 else "?"
    return table.strip('"')


def print_report(report: list[dict], slow_ms: float, markdown: bool) -> tuple[int, int]:
    big_seq = slow = 0
    if markdown:
        print("| page | status | query (first table) | plan nodes | indexes | seq scans (big) | ms |")
        print("| --- | ---: | --- | --- | --- | --- | ---: |")
    for page in report:
        if not markdown:
            print(f"\n{page['page']}  {page['path']}  -> {page['status']}, {page['queries']} SELECTs, "
                  f"page {page['page_ms']} ms")
        for q in page["explained"]:
            nodes = " > ".join(dict.fromkeys(q["nodes"]))[:90]
            flag = ""
            if q["big_seq_scans"]:
                big_seq += 1
                flag += " BIG SEQ SCAN"
            if q.get("limited_seq_scans"):
                flag += " (seq scan stopped by LIMIT: " + ",".join(q["limited_seq_scans"]) + ")"
            if q["ms"] > slow_ms:
                slow += 1
                flag += " SLOW"
            if markdown:
                seqs = ", ".join(f"**{t}**" if t in q["big_seq_scans"] else t for t in q["seq_scans"])
                print(f"| {page['page']} | {page['status']} | {short_sql(q['sql'])}"
                      f"{' x' + str(q['repeats']) if q['repeats'] > 1 else ''} | {nodes} | "
                      f"{', '.join(q['indexes'])} | {seqs} | {q['ms']} |")
            else:
                print(f"  {q['ms']:>8.2f} ms  {short_sql(q['sql']):<28} {nodes}"
                      f"{'  idx: ' + ','.join(q['indexes']) if q['indexes'] else ''}"
                      f"{'  seq: ' + ','.join(q['seq_scans']) if q['seq_scans'] else ''}{flag}")
    return big_seq, slow


def compare(before: list[dict], after: list[dict]) -> None:
    """A markdown table of each page's queries before and after a change,
    matched by page and SQL text (a query whose SQL changed shows as gone and new)."""
    old = {(p["page"], q["sql"]): q for p in before for q in p["explained"]}
    print("| page | query (first table) | before: plan nodes; big seq scans | ms | after: plan nodes; indexes | ms |")
    print("| --- | --- | --- | ---: | --- | ---: |")
    for page in after:
        for q in page["explained"]:
            b = old.pop((page["page"], q["sql"]), None)
            was = ("(new SQL)", "") if b is None else (
                " > ".join(dict.fromkeys(b["nodes"]))[:60] + ("; **" + ", ".join(b["big_seq_scans"]) + "**"
                                                              if b["big_seq_scans"] else ""), b["ms"])
            print(f"| {page['page']} | {short_sql(q['sql'])} | {was[0]} | {was[1]} | "
                  f"{' > '.join(dict.fromkeys(q['nodes']))[:60]}; {', '.join(q['indexes']) or '-'} | {q['ms']} |")
    for (page, sql), b in old.items():
        print(f"| {page} | {short_sql(sql)} (SQL since replaced) | {' > '.join(dict.fromkeys(b['nodes']))[:60]}"
              f"{'; **' + ', '.join(b['big_seq_scans']) + '**' if b['big_seq_scans'] else ''} | {b['ms']} | | |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="bench_national")
    parser.add_argument("--big-rows", type=int, default=10_000, help="a Seq Scan on a larger table fails")
    parser.add_argument("--slow-ms", type=float, default=50.0)
    parser.add_argument("--json", help="write the full report (with SQL) here")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE.json", "AFTER.json"),
                        help="print a before/after table of two saved reports and exit")
    args = parser.parse_args()
    if args.compare:
        compare(*(json.loads(Path(p).read_text()) for p in args.compare))
        return
    url = make_url(_normalise_db_url(args.server)).set(database=args.database).render_as_string(False)
    report = run(url, args.big_rows)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    big_seq, slow = print_report(report, args.slow_ms, args.markdown)
    errors = [p["page"] for p in report if p["status"] >= 500]
    print(f"\n{sum(len(p['explained']) for p in report)} distinct queries on {len(report)} pages; "
          f"{big_seq} with a Seq Scan on a table over {args.big_rows:,} rows; {slow} over {args.slow_ms} ms; "
          f"pages failing: {errors or 'none'}")
    sys.exit(1 if big_seq or errors else 0)


if __name__ == "__main__":
    main()
