"""National-scale cascade benchmark.

Builds, in a scratch PostgreSQL database, one 1-4-4-2 group per two commune
health stations across Vietnam (3,321 communes -> 1,660 groups, ~18,000
accounts, ~3,400 facilities), then times the pages and API calls that read
the cascade, and counts their SQL queries.

    .venv/bin/python bench/national.py [--server postgresql://postgres@127.0.0.1:5432/test] [--runs 7]

Writes nothing outside its own scratch database (dropped at the end)."""
import argparse
import json
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


# ---------------------------------------------------------------------------
# National size (issue 12): 10,000 groups, 110,000 accounts, 1,000,000 cases,
# 10,000,000 chat messages, by bulk insert, kept in a named database.
#
#     .venv/bin/python bench/national.py --database bench_national --scale 1
#     .venv/bin/python bench/national.py --database bench_national_small --scale 0.01
#     .venv/bin/python bench/national.py --database bench_national --drop
#
# The cascade and the cases come from Python through PostgreSQL COPY (psycopg
# 3's cursor.copy()): they need per-row choices. Everything derived from them
# (replies, events, rooms, messages, sessions, attendance, credits,
# assessments, certificates, notifications, audit) is INSERT ... SELECT on the
# server: 10 million messages never cross the socket.
#
# Ids are deterministic so the SQL stages can find a group's members without a
# join: group g's accounts are users (g-1)*11+1 .. g*11, slot 0 the central
# mentor, 1-4 provincial, 5-8 district, 9-10 commune; group g's chat room is
# room g. Group 1 is the "hot" group (1.75 % of the cases: ~1,365 open at its
# district tier at full scale, the issue's inbox) and room 1 the hot room (1 %
# of the messages).

FULL = {"groups": 10_000, "cases": 1_000_000, "messages": 10_000_000, "audit": 1_000_000}
PER_GROUP = 11
ADHERENCE_VALUES = ("good", "partial", "poor", "unknown")
SLOT_TIERS = ["central"] + ["provincial"] * 4 + ["district"] * 4 + ["commune"] * 2
HOT_SHARE = 0.0175
SESSIONS_PER_GROUP = 14   # monthly: 12 held in the past year, 2 scheduled ahead
BENCH_COMPLAINTS = ["Đau đầu, chóng mặt", "Khát nhiều, tiểu nhiều", "Phù hai chân", "Ho kéo dài",
                    "Đau ngực khi gắng sức", "Tê bì hai bàn chân", "Mệt mỏi, sụt cân", "Sốt cao, phát ban",
                    "Khó thở về đêm", "Đau bụng vùng thượng vị"]
BENCH_CODES = [("I10", "IX"), ("E11.9", "IV"), ("I50.0", "IX"), ("J44.9", "X"), ("I20.9", "IX"),
               ("E11.4", "IV"), ("E78.5", "IV"), ("A90", "I"), ("K29.7", "XI"), ("J45.9", "X")]
MESSAGE_BODIES = ["Chào cả nhóm, tuần này ai trực?", "Em gửi kết quả huyết áp của bệnh nhân ạ.",
                  "Anh chị xem giúp em ca này với.", "Đã nhận, cảm ơn em.",
                  "Lịch giao ban tháng này dời sang thứ Năm.", "Bệnh nhân ổn định, tiếp tục theo dõi.",
                  "Nhớ cập nhật hồ sơ sức khỏe điện tử nhé.", "Có ai còn tài liệu buổi trước không?"]


def _uid(group: int, slot: int) -> int:
    return (group - 1) * PER_GROUP + slot + 1


class _Stages:
    """Prints how long each stage took (the issue asks for 'minutes')."""

    def __init__(self):
        self.start = time.perf_counter()
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        yield
        self.times[name] = time.perf_counter() - t0
        print(f"  {name:<44} {self.times[name]:7.1f} s", flush=True)


def _copy(cur, table: str, columns: tuple[str, ...], rows) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def build_bulk(app, scale: float, check_foreign_keys: bool = False) -> dict:
    """Build the national data set at `scale` (1 = the issue's sizes) into
    the app's (empty) database. Returns the facts the drivers need.

    Without check_foreign_keys the load runs with session_replication_role =
    replica, which skips the foreign-key triggers (two lookups per message:
    most of the 10 million rows' insert time); every id is built to exist, and
    the smoke (tests/test_bench_national.py) builds with the checks on, so a
    generator change that breaks a reference fails there. CHECK, NOT NULL and
    unique constraints are enforced either way."""
    import random
    from datetime import datetime, timedelta, timezone
    from mentoring import clock
    from mentoring.cases.icd import fold
    from mentoring.competency import frameworks, programmes
    from mentoring.org.models import Commune, Tier
    from mentoring.org.services import import_admin_units

    groups = max(2, round(FULL["groups"] * scale))
    n_cases = max(50, round(FULL["cases"] * scale))
    n_messages = max(100, round(FULL["messages"] * scale))
    n_audit = max(100, round(FULL["audit"] * scale))
    stage = _Stages()
    rng = random.Random(1442)
    now = clock.now().replace(microsecond=0)

    with stage("schema, tiers, admin units, frameworks"):
        db.create_all()
        db.session.add_all([Tier(code=c, rank=i) for i, c in
                            enumerate(("central", "provincial", "district", "commune"), 1)])
        import_admin_units()
        frameworks.load_shipped()
        programmes.load_shipped()
        db.session.commit()
        communes = db.session.execute(select(Commune.code, Commune.province_code, Commune.name)
                                      .order_by(Commune.province_code, Commune.code)).all()

    raw = db.engine.raw_connection()
    conn = raw.driver_connection  # psycopg 3
    cur = conn.cursor()
    if not check_foreign_keys:
        cur.execute("SET session_replication_role = replica")

    def sql(statement: str, **params) -> int:
        cur.execute(statement, params or None)  # without params, '%' is a plain modulo
        return cur.rowcount

    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with stage("cascade: facilities, accounts, groups (COPY)"):
        facilities, province_hospital, station_of = [], {}, {}
        facilities.append((1, "Bệnh viện Trung ương (bench)", "central_hospital", "central", 1, None))
        for province in sorted({p for _, p, _ in communes}):
            province_hospital[province] = len(facilities) + 1
            facilities.append((len(facilities) + 1, f"BVĐK tỉnh {province}", "provincial_hospital",
                               "provincial", province, None))
        for code, province, name in communes:
            station_of[code] = len(facilities) + 1
            facilities.append((len(facilities) + 1, f"Trạm Y tế {name} ({code})", "commune_health_station",
                               "commune", province, code))
        # Group g covers two neighbouring communes (wrapping round the country:
        # 10,000 groups over 3,321 communes puts about six groups on each); a
        # regional health centre serves every five consecutive groups of a province.
        centre_of, group_rows, user_rows, member_rows = {}, [], [], []
        for g in range(1, groups + 1):
            first = communes[(2 * (g - 1)) % len(communes)]
            second = communes[(2 * (g - 1) + 1) % len(communes)]
            if second[1] != first[1]:
                second = first
            province = first[1]
            key = (province, g // 5)
            if key not in centre_of:
                centre_of[key] = len(facilities) + 1
                facilities.append((len(facilities) + 1, f"TTYT khu vực {province}-{g // 5}",
                                   "regional_health_centre", "district", province, None))
            group_rows.append((g, f"Nhóm {g}", now))
            places = [1] + [province_hospital[province]] * 4 + [centre_of[key]] * 4 + \
                     [station_of[first[0]], station_of[second[0]]]
            for slot, (tier, facility_id) in enumerate(zip(SLOT_TIERS, places)):
                uid = _uid(g, slot)
                user_rows.append((uid, f"u{uid}@bench.test", f"Người dùng {uid}", pw,
                                  "mentor" if slot == 0 else "worker", tier, facility_id, now))
                member_rows.append((uid, g, uid, tier, "mentor" if slot == 0 else "member", date(2025, 1, 1)))
        # Coordinators (one per province, plus coord@) and one administrator.
        extra = [("coord@bench.test", "coordinator"), ("admin@bench.test", "admin")] + \
                [(f"coord-p{p}@bench.test", "coordinator") for p in sorted(province_hospital)]
        for email, role in extra:
            uid = len(user_rows) + 1
            user_rows.append((uid, email, f"Điều phối {uid}", pw, role, None, None, now))
        # COPY applies no Python-side defaults: every NOT NULL column is given.
        _copy(cur, "facilities", ("id", "name", "kind", "tier_code", "province_code", "commune_code", "active"),
              [f + (True,) for f in facilities])
        _copy(cur, "users", ("id", "email", "full_name", "password_hash", "role", "tier_code", "facility_id",
                             "created_at", "language", "timezone", "active", "auth_version"),
              [u + ("vi", "Asia/Ho_Chi_Minh", True, 1) for u in user_rows])
        _copy(cur, "mentoring_groups", ("id", "name", "created_at"), group_rows)
        _copy(cur, "group_memberships", ("id", "group_id", "user_id", "tier_code", "role", "joined_on"),
              member_rows)
        conn.commit()
    n_users = len(user_rows)

    with stage(f"cases and diagnoses (COPY, {n_cases:,})"):
        hot_open = [0]

        def case_rows():
            for i in range(1, n_cases + 1):
                g = 1 if rng.random() < HOT_SHARE else rng.randint(1, groups)
                if rng.random() < 0.8:   # most questions come from the commune station
                    asker, asker_tier, first_tier = _uid(g, rng.choice((9, 10))), "commune", "district"
                else:
                    asker, asker_tier, first_tier = _uid(g, rng.randint(5, 8)), "district", "provincial"
                facility_id = user_rows[asker - 1][6]
                province = facilities[facility_id - 1][4]
                status = rng.choices(("draft", "open", "answered", "closed"), (2, 12, 18, 68))[0]
                urgency = rng.choices(("routine", "urgent", "emergency"), (80, 15, 5))[0]
                complaint = f"{rng.choice(BENCH_COMPLAINTS)} {i % 30 + 1} ngày"
                question = "Xin ý kiến chẩn đoán và điều trị?"
                ncd = rng.choices((None, "hypertension", "diabetes"), (70, 18, 12))[0]
                if status == "open":
                    sent = now - timedelta(minutes=rng.randint(5, 60 * 24 * 10))
                else:
                    sent = now - timedelta(minutes=rng.randint(60 * 24 * 10, 60 * 24 * 730))
                current = first_tier
                if status == "open" and first_tier == "district":
                    current = rng.choices(("district", "provincial", "central"), (65, 25, 10))[0]
                if status == "open" and g == 1 and current == "district":
                    hot_open[0] += 1
                answered = sent + timedelta(minutes=rng.randint(10, 60 * 72)) if status in ("answered", "closed") \
                    else None
                closed = answered + timedelta(days=rng.randint(1, 30)) if status == "closed" else None
                outcome = rng.choices(("managed_at_station", "referred", "unknown"), (70, 20, 10))[0] \
                    if closed else None
                sent_at = sent if status != "draft" else None
                yield (i, g, asker, facility_id, province, status, urgency,
                       {"emergency": 0, "urgent": 1, "routine": 2}[urgency],
                       rng.randint(1, 90), rng.choice(("female", "male")),
                       "not_applicable", complaint, question, fold(f"{complaint} {question}"), True,
                       sent, asker_tier, None if status == "draft" else first_tier,
                       None if status == "draft" else current,
                       sent + timedelta(hours=48) if status == "open" else None,
                       sent - timedelta(minutes=7), closed or answered or sent, sent_at,
                       answered, current if answered else None, answered,
                       answered if status in ("answered", "closed") else None, closed,
                       outcome, closed if outcome else None,
                       "district" if outcome == "referred" else None, ncd,
                       rng.choice(ADHERENCE_VALUES) if ncd else None)
        _copy(cur, "cases", ("id", "group_id", "asker_id", "facility_id", "province_code", "status", "urgency",
                             "urgency_rank", "age_years", "sex", "pregnancy", "complaint", "question",
                             "search_text", "patient_consent", "consent_at", "asker_tier_code",
                             "first_tier_code", "current_tier_code", "due_at", "created_at", "updated_at",
                             "sent_at", "first_answer_at", "first_answer_tier_code", "last_answer_at",
                             "answered_at", "closed_at", "outcome_code", "outcome_at", "referred_tier_code",
                             "ncd_kind", "adherence"), case_rows())

        def diagnosis_rows():
            for i in range(1, n_cases + 1):
                picks = rng.sample(BENCH_CODES, 1 if i % 3 else 2)
                for position, (code, chapter) in enumerate(picks):
                    yield i, code, chapter, position
        _copy(cur, "case_diagnoses", ("case_id", "code", "chapter", "position"), diagnosis_rows())
        conn.commit()

    member_expr = ("(c.group_id - 1) * 11 + 1 + CASE c.first_answer_tier_code WHEN 'central' THEN 0 "
                   "WHEN 'provincial' THEN 1 + c.id % 4 ELSE 5 + c.id % 4 END")
    with stage("replies, case events, timers (SQL)"):
        sql(f"""INSERT INTO case_replies (case_id, author_id, body, is_recommendation, author_tier_code, created_at)
                SELECT c.id, {member_expr}, 'Đề nghị đo lại huyết áp, làm đường huyết mao mạch; ý kiến ' || k,
                       k = 1, c.first_answer_tier_code, c.first_answer_at + (k - 1) * interval '3 hours'
                FROM cases c CROSS JOIN LATERAL generate_series(1, 1 + c.id % 3) k
                WHERE c.first_answer_at IS NOT NULL""")
        sql("""INSERT INTO case_events (case_id, user_id, action, detail, created_at)
               SELECT id, asker_id, 'sent', '{}', sent_at FROM cases WHERE sent_at IS NOT NULL""")
        sql(f"""INSERT INTO case_events (case_id, user_id, action, detail, created_at)
                SELECT c.id, {member_expr}, 'replied', '{{}}', c.first_answer_at FROM cases c
                WHERE c.first_answer_at IS NOT NULL""")
        sql("""INSERT INTO case_timers (case_id, kind, tier_code, due_at, created_at)
               SELECT id, 'escalation', current_tier_code, due_at, sent_at FROM cases WHERE status = 'open'""")
        sql("""INSERT INTO case_timers (case_id, kind, days, due_at, created_at, done_at)
               SELECT id, 'outcome_reminder', 7, closed_at + interval '7 days', closed_at,
                      closed_at + interval '7 days' FROM cases WHERE status = 'closed'""")
        conn.commit()

    with stage(f"chat rooms, messages ({n_messages:,}), read states (SQL)"):
        sql("""INSERT INTO chat_rooms (id, kind, group_id, created_at)
               SELECT g, 'group', g, %(now)s - interval '2 years' FROM generate_series(1, %(groups)s) g""",
            now=now, groups=groups)
        # Room 1 (the hot group) gets 1 % of the messages, the rest are spread
        # by a multiplicative hash; ids follow time, as they do in production.
        sql("""INSERT INTO chat_messages (id, room_id, author_id, client_id, body, urgent, created_at)
               SELECT n, r, (r - 1) * 11 + 1 + (n * 7919) %% 11, 'bench-' || n,
                      (%(bodies)s::text[])[1 + n %% %(nbodies)s], false,
                      %(now)s - (%(total)s - n) * (interval '730 days' / %(total)s)
               FROM (SELECT n, CASE WHEN n %% 100 = 0 THEN 1
                                    ELSE 1 + (n * 2654435761) %% %(groups)s END AS r
                     FROM generate_series(1::bigint, %(total)s) n) s""",
            bodies=MESSAGE_BODIES, nbodies=len(MESSAGE_BODIES), now=now, total=n_messages, groups=groups)
        # Everyone is a few messages behind: ids in a room are about `groups` apart.
        sql("""INSERT INTO chat_read_states (room_id, user_id, last_read_id, updated_at)
               SELECT m.group_id, m.user_id, greatest(0, r.last_id - (m.user_id - 1) %% 11 * 3 * %(groups)s), %(now)s
               FROM group_memberships m
               JOIN (SELECT room_id, max(id) AS last_id FROM chat_messages GROUP BY room_id) r
                 ON r.room_id = m.group_id""", groups=groups, now=now)
        conn.commit()

    with stage("sessions, attendance, credits, competency (SQL)"):
        sql("""INSERT INTO teaching_sessions (id, host_id, created_by_id, title, topic, competency_codes,
                   starts_at, ends_at, duration_minutes, timezone, status, sequence, created_at, updated_at,
                   held_at, video_generated)
               SELECT s.id, s.host, s.host, 'Giao ban chuyên môn tháng ' || s.k, 'Tăng huyết áp', '[]',
                      s.starts, s.starts + interval '90 minutes', 90, 'Asia/Ho_Chi_Minh',
                      CASE WHEN s.starts < %(now)s THEN 'held' ELSE 'scheduled' END, 0, s.starts - interval '30 days',
                      s.starts - interval '30 days', CASE WHEN s.starts < %(now)s
                      THEN s.starts + interval '90 minutes' END, false
               FROM (SELECT (g - 1) * %(per)s + k AS id, (g - 1) * 11 + 1 AS host, k,
                            date_trunc('day', %(now)s) + (k - 12) * interval '30 days' + interval '7 hours'
                            + (g %% 20) * interval '1 day' AS starts
                     FROM generate_series(1, %(groups)s) g, generate_series(1, %(per)s) k) s""",
            now=now, per=SESSIONS_PER_GROUP, groups=groups)
        sql("""INSERT INTO session_audiences (session_id, group_id)
               SELECT id, (id - 1) / %(per)s + 1 FROM teaching_sessions""", per=SESSIONS_PER_GROUP)
        # Seven in ten members attend a held session; everyone answers the next one's RSVP.
        sql("""INSERT INTO session_attendance (session_id, user_id, minutes, corrected, updated_at)
               SELECT s.id, m.user_id, 60 + (s.id + m.user_id) %% 31, false, s.ends_at
               FROM teaching_sessions s JOIN group_memberships m ON m.group_id = (s.id - 1) / %(per)s + 1
               WHERE s.status = 'held' AND m.role = 'member' AND (s.id * 31 + m.user_id) %% 10 < 7""",
            per=SESSIONS_PER_GROUP)
        sql("""INSERT INTO session_rsvps (session_id, user_id, response, responded_at)
               SELECT s.id, m.user_id, (ARRAY['yes', 'yes', 'maybe', 'no'])[1 + (s.id + m.user_id) %% 4], %(now)s
               FROM teaching_sessions s JOIN group_memberships m ON m.group_id = (s.id - 1) / %(per)s + 1
               WHERE s.status = 'scheduled' AND m.role = 'member'""", per=SESSIONS_PER_GROUP, now=now)
        sql("""INSERT INTO training_credits (user_id, source_kind, source_id, hours, earned_at, title,
                   created_at, updated_at)
               SELECT a.user_id, 'session', a.session_id, round(a.minutes / 60.0, 2), s.ends_at, s.title,
                      s.ends_at, s.ends_at
               FROM session_attendance a JOIN teaching_sessions s ON s.id = a.session_id""")
        sql("""INSERT INTO training_credits (user_id, source_kind, source_id, hours, earned_at, title,
                   created_at, updated_at)
               SELECT r.author_id, 'case_answer', r.case_id, 0.5, min(r.created_at), 'Trả lời ca bệnh',
                      min(r.created_at), min(r.created_at)
               FROM case_replies r GROUP BY r.author_id, r.case_id""")
        # Each worker rated by their group's central mentor on six competencies
        # (two ratings each, a year apart: "current level" is the latest).
        sql("""INSERT INTO competency_assessments (user_id, competency_id, assessor_id, is_self, level,
                   evidence_kind, assessed_on, created_at)
               SELECT m.user_id, c.id, (m.group_id - 1) * 11 + 1, false,
                      1 + (m.user_id + c.id + k) %% 4, 'observation',
                      (%(now)s - (k * 365 + m.user_id %% 300) * interval '1 day')::date, %(now)s
               FROM group_memberships m
               CROSS JOIN (SELECT id FROM competencies ORDER BY id LIMIT 6) c
               CROSS JOIN generate_series(0, 1) k
               WHERE m.role = 'member'""", now=now)
        sql("""INSERT INTO certificates (code, user_id, programme_id, issued_on, expires_on, hours, badge_salt,
                   created_at)
               SELECT 'BENCH-' || m.user_id, m.user_id, p.id,
                      (%(now)s - (m.user_id %% 700) * interval '1 day')::date,
                      (%(now)s - (m.user_id %% 700) * interval '1 day')::date + p.validity_days,
                      24, md5(m.user_id::text), %(now)s
               FROM group_memberships m
               CROSS JOIN (SELECT id, validity_days FROM certification_programmes ORDER BY is_default DESC, id
                           LIMIT 1) p
               WHERE m.role = 'member' AND m.user_id %% 10 < 3""", now=now)
        sql("""INSERT INTO ehr_rollouts (facility_id, go_live_on, updated_at)
               SELECT id, (%(now)s + (id %% 180) * interval '1 day')::date, %(now)s
               FROM facilities WHERE kind = 'commune_health_station' AND id %% 5 = 0""", now=now)
        sql("""INSERT INTO outside_courses (user_id, title, provider, started_on, ended_on, hours, stored_name,
                   content_type, status, created_at)
               SELECT m.user_id, 'Khóa học ngoài', 'Trường Y', %(day)s, %(day)s, 8, 'bench-' || m.user_id || '.pdf',
                      'application/pdf', (ARRAY['pending', 'approved', 'rejected'])[1 + m.user_id %% 3], %(now)s
               FROM group_memberships m WHERE m.role = 'member' AND m.user_id %% 50 = 0""",
            now=now, day=now.date() - timedelta(days=60))
        conn.commit()

    with stage(f"notifications, audit ({n_audit:,}) (SQL)"):
        # Five notifications per account, the newest unread.
        sql("""INSERT INTO notifications (user_id, kind, params, link, created_at, read_at, email_pending,
                   email_attempts)
               SELECT u.id, 'case.new', json_build_object('complaint', 'Ho kéo dài', 'case_id', k * u.id %% %(cases)s + 1),
                      '/cases/' || (k * u.id %% %(cases)s + 1), %(now)s - k * interval '2 days',
                      CASE WHEN k > 0 THEN %(now)s END, false, 0
               FROM users u CROSS JOIN generate_series(0, 4) k""", now=now, cases=n_cases)
        sql("""INSERT INTO audit_events (created_at, actor_id, action, target_kind, target_id, detail, ip)
               SELECT %(now)s - (%(total)s - n) * (interval '730 days' / %(total)s),
                      1 + (n * 7919) %% %(users)s,
                      CASE WHEN n %% 10 = 0 THEN 'auth.login' ELSE 'case.viewed' END,
                      CASE WHEN n %% 10 = 0 THEN NULL ELSE 'case' END,
                      CASE WHEN n %% 10 = 0 THEN NULL ELSE 1 + n %% %(cases)s END, '{}',
                      '10.' || n %% 250 || '.' || (n / 250) %% 250 || '.1'
               FROM generate_series(1::bigint, %(total)s) n""", now=now, total=n_audit, users=n_users, cases=n_cases)
        conn.commit()

    with stage("sequences, alembic stamp, VACUUM ANALYZE"):
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
            "AND table_schema = 'public' AND column_default LIKE 'nextval%'").fetchall()]
        for table in tables:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
        if not check_foreign_keys:
            cur.execute("SET session_replication_role = DEFAULT")  # the pool reuses this connection
        conn.commit()
        cur.close()
        raw.close()
        from flask_migrate import stamp
        stamp(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        db.session.commit()
        # VACUUM: the visibility map lets the planner use index-only scans, as
        # it would on a database autovacuum has caught up with.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.execute(text("VACUUM ANALYZE"))
    facts = {"scale": scale, "groups": groups, "users": n_users, "cases": n_cases, "messages": n_messages,
             "hot_group": 1, "hot_room": 1, "hot_group_open_district": hot_open[0],
             "hot_district_email": f"u{_uid(1, 5)}@bench.test", "hot_commune_email": f"u{_uid(1, 9)}@bench.test",
             "hot_mentor_email": f"u{_uid(1, 0)}@bench.test", "coordinator_email": "coord@bench.test",
             "admin_email": "admin@bench.test", "password": PASSWORD,
             "stage_seconds": {k: round(v, 1) for k, v in stage.times.items()},
             "build_seconds": round(time.perf_counter() - stage.start, 1)}
    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_facts (body text)"))
    db.session.execute(text("DELETE FROM bench_facts"))
    db.session.execute(text("INSERT INTO bench_facts VALUES (:b)"), {"b": json.dumps(facts)})
    db.session.commit()
    return facts


def table_sizes() -> dict:
    rows = db.session.execute(text(
        "SELECT relname, n_live_tup, pg_total_relation_size(relid) FROM pg_stat_user_tables "
        "ORDER BY pg_total_relation_size(relid) DESC")).all()
    return {name: (rows_, size) for name, rows_, size in rows}


def build_named(server: str, name: str, scale: float, check_foreign_keys: bool = False) -> dict:
    admin = create_engine(make_url(_normalise_db_url(server)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(_normalise_db_url(server)).set(database=name).render_as_string(False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "MENTORING_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        facts = build_bulk(app, scale, check_foreign_keys)
        facts["database_bytes"] = db.session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        sizes = table_sizes()
        db.session.remove()
        db.engine.dispose()
    print(f"built {name} in {facts['build_seconds']:.0f} s, {facts['database_bytes'] / 2**20:,.0f} MiB")
    for table, (rows, size) in list(sizes.items())[:16]:
        print(f"  {table:<34} {rows:>12,} rows {size / 2**20:>9,.1f} MiB")
    return facts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", help="build the national-size data set into this (new) database and keep it")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's sizes (with --database)")
    parser.add_argument("--drop", action="store_true", help="drop --database")
    parser.add_argument("--check-foreign-keys", action="store_true",
                        help="keep the foreign-key triggers on during the load (slower; the smoke uses it)")
    args = parser.parse_args()
    if args.database:
        if args.drop:
            admin = create_engine(make_url(_normalise_db_url(args.server)), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
            return
        facts = build_named(args.server, args.database, args.scale, args.check_foreign_keys)
        print(json.dumps({k: v for k, v in facts.items() if k != "stage_seconds"}))
        return
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
