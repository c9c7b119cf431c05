"""Cases inbox benchmark: 100,000 cases on PostgreSQL.

Builds the national cascade of bench/national.py (1,660 groups, ~18,000
accounts) in a scratch database, adds 100,000 cases (a fifth of them in one
"hot" group, the rest spread over every group; about a third still open, at
the district tier), then times the inbox page, the inbox query alone, the
case list API and search, and counts their SQL queries.

    .venv/bin/python bench/cases_inbox.py [--server postgresql://postgres@127.0.0.1:5432/test] [--runs 7] [--cases 100000]

Writes nothing outside its own scratch database (bench_cases_<random>, dropped at the end)."""
import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import event, insert, select, text  # noqa: E402

from mentoring import clock  # noqa: E402
from mentoring.cases.icd import fold  # noqa: E402
from mentoring.extensions import db  # noqa: E402
from national import PASSWORD, build, scratch_app  # noqa: E402

COMPLAINTS = ["Đau đầu, chóng mặt", "Khát nhiều, tiểu nhiều", "Phù hai chân", "Ho kéo dài",
              "Đau ngực khi gắng sức", "Tê bì hai bàn chân", "Mệt mỏi, sụt cân"]
CODES = [("I10", "IX"), ("E11.9", "IV"), ("I50.0", "IX"), ("J44.9", "X"), ("I20.9", "IX"),
         ("E11.4", "IV"), ("E78.5", "IV")]
URGENCY = ["routine"] * 8 + ["urgent"] * 2 + ["emergency"]


def add_cases(n: int) -> dict:
    from mentoring.cases.models import Case, CaseDiagnosis
    from mentoring.org.models import GroupMembership
    rng = random.Random(1442)
    members = db.session.execute(select(GroupMembership.group_id, GroupMembership.user_id,
                                        GroupMembership.tier_code)).all()
    commune_by_group: dict[int, list[int]] = {}
    for group_id, user_id, tier in members:
        if tier == "commune":
            commune_by_group.setdefault(group_id, []).append(user_id)
    from mentoring.auth.models import User
    facility = dict(db.session.execute(select(User.id, User.facility_id)).all())
    from mentoring.org.models import Facility
    province = dict(db.session.execute(select(Facility.id, Facility.province_code)).all())
    groups = sorted(commune_by_group)
    hot = groups[0]
    now = clock.now()
    rows, diagnoses = [], []
    for i in range(1, n + 1):
        group = hot if i % 5 == 0 else rng.choice(groups)
        asker = rng.choice(commune_by_group[group])
        sent = now - timedelta(minutes=rng.randint(1, 60 * 24 * 180))
        status = rng.choices(["open", "answered", "closed"], [35, 25, 40])[0]
        urgency = rng.choice(URGENCY)
        complaint = rng.choice(COMPLAINTS) + f" {i % 30 + 1} ngày"
        answered = sent + timedelta(minutes=rng.randint(5, 3000)) if status != "open" else None
        code, chapter = rng.choice(CODES)
        rows.append(dict(
            id=i, group_id=group, asker_id=asker, facility_id=facility[asker],
            province_code=province[facility[asker]], status=status, urgency=urgency,
            urgency_rank={"emergency": 0, "urgent": 1, "routine": 2}[urgency],
            age_years=rng.randint(18, 90), age_months=None, sex=rng.choice(["female", "male"]),
            pregnancy="not_applicable", complaint=complaint, history=None, examination=None,
            question="Xin ý kiến điều trị?", search_text=fold(complaint), patient_consent=True,
            consent_at=sent, asker_tier_code="commune", first_tier_code="district",
            current_tier_code="district", due_at=sent + timedelta(hours=48) if status == "open" else None,
            created_at=sent, updated_at=sent, sent_at=sent, first_answer_at=answered,
            last_answer_at=answered, closed_at=answered if status == "closed" else None))
        diagnoses.append(dict(case_id=i, code=code, chapter=chapter, position=0))
    for start in range(0, n, 5000):
        db.session.execute(insert(Case), rows[start:start + 5000])
        db.session.execute(insert(CaseDiagnosis), diagnoses[start:start + 5000])
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    hot_open = sum(1 for r in rows if r["group_id"] == hot and r["status"] == "open")
    return {"cases": n, "hot_group": hot, "hot_group_cases": sum(1 for r in rows if r["group_id"] == hot),
            "hot_group_open": hot_open}


def measure(app, runs: int, hot_group: int) -> list[tuple[str, float, float, int]]:
    from mentoring.auth.models import User
    from mentoring.auth.services import create_user, issue_token
    from mentoring.cases import queries
    from mentoring.org.models import GroupMembership
    with app.app_context():
        coordinator = create_user(email="coord@bench.test", full_name="Điều phối", password=PASSWORD,
                                  role="coordinator")
        coord_token, _ = issue_token(coordinator)
        district_id = db.session.execute(select(GroupMembership.user_id).where(
            GroupMembership.group_id == hot_group, GroupMembership.tier_code == "district").limit(1)).scalar()
        district = db.session.get(User, district_id)
        district_token, _ = issue_token(district)
        district_email = district.email
        typical_id = db.session.execute(select(GroupMembership.user_id).where(
            GroupMembership.group_id == hot_group + 1, GroupMembership.tier_code == "district").limit(1)).scalar()
        typical_email = db.session.get(User, typical_id).email
        db.session.commit()
    district_client = app.test_client()
    district_client.post("/login", data={"email": district_email, "password": PASSWORD})
    district_api = {"Authorization": f"Bearer {district_token}"}
    typical_client = app.test_client()
    typical_client.post("/login", data={"email": typical_email, "password": PASSWORD})
    coord_api = {"Authorization": f"Bearer {coord_token}"}
    client = app.test_client()

    def inbox_query():
        with app.app_context():
            user = db.session.get(User, district_id)
            page = queries.inbox(user, 1, 25)
            assert page.items
            db.session.remove()

    requests = [
        ("GET /cases (district worker, hot group inbox)", district_client, "/cases", {}),
        ("GET /cases?page=20 (district worker)", district_client, "/cases?page=20", {}),
        ("GET /cases (district worker, typical group)", typical_client, "/cases", {}),
        ("GET /api/v1/cases (district worker, page 1)", client, "/api/v1/cases", district_api),
        ("GET /api/v1/cases?status=open (district worker)", client, "/api/v1/cases?status=open", district_api),
        ("GET /api/v1/cases (coordinator, all cases)", client, "/api/v1/cases", coord_api),
        ("GET /api/v1/cases?page=2000 (coordinator)", client, "/api/v1/cases?page=2000", coord_api),
        ("GET /api/v1/cases?icd10=E11&q=chân (coordinator)", client,
         "/api/v1/cases?icd10=E11&q=ch%C3%A2n", coord_api),
        ("GET /cases/search?q=đau ngực&status=open (district)", district_client,
         "/cases/search?q=%C4%91au%20ng%E1%BB%B1c&status=open", {}),
    ]
    with app.app_context():
        engine = db.engine
    results = []
    count = {"n": 0}

    def before(*_a):
        count["n"] += 1
    event.listen(engine, "before_cursor_execute", before)
    try:
        for label, who, path, headers in requests:
            timings = []
            for i in range(runs + 1):
                count["n"] = 0
                t0 = time.perf_counter()
                response = who.get(path, headers=headers)
                elapsed = time.perf_counter() - t0
                assert response.status_code == 200, (path, response.status_code)
                if i:
                    timings.append(elapsed * 1000)
            results.append((label, statistics.median(timings), max(timings), count["n"]))
        timings = []
        for i in range(runs + 1):
            count["n"] = 0
            t0 = time.perf_counter()
            inbox_query()
            if i:
                timings.append((time.perf_counter() - t0) * 1000)
        results.append(("queries.inbox() alone (district worker)", statistics.median(timings),
                        max(timings), count["n"]))
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (for EXPLAIN)")
    args = parser.parse_args()
    with scratch_app(args.server, "bench_cases", keep=args.keep) as app:
        t0 = time.perf_counter()
        with app.app_context():
            sizes = build(app)
            sizes.update(add_cases(args.cases))
        print(f"built {sizes} in {time.perf_counter() - t0:.1f}s")
        print(f"{'request':<55} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for label, median, worst, queries in measure(app, args.runs, sizes["hot_group"]):
            print(f"{label:<55} {median:>10.1f} {worst:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
