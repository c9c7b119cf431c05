"""A named, reusable benchmark database for the server-level benchmarks
(bench/segfault.py, bench/locustfile.py, the fault scenarios).

The scratch-database benchmarks (national.py, cases_inbox.py) drop their data
at the end; a load test against real gunicorn processes needs the data to
outlive the builder. This builds the national cascade (bench/national.py:
1,655 groups, ~18,000 accounts) plus N cases (bench/cases_inbox.py: a fifth
in one "hot" group, a third open at the district tier) into the database
named on the command line, runs the migrations' schema through create_all
and stamps it at the migrations' head (scripts/prod.sh runs `db upgrade`).

    .venv/bin/python bench/dataset.py --database bench_province --cases 20000
    .venv/bin/python bench/dataset.py --database bench_province --drop

Prints (and stores in the table bench_facts) the hot group, one of its
district workers and the password of every account, so the drivers need no
guessing. 20,000 cases put ~1,400 open cases in the hot district inbox (the
issue's 1,365)."""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from mentoring import clock, create_app  # noqa: E402
from mentoring.config import _normalise_db_url  # noqa: E402
from mentoring.extensions import db  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def url_for_database(server: str, name: str) -> str:
    return make_url(_normalise_db_url(server)).set(database=name).render_as_string(False)


def facts(database_url: str) -> dict:
    engine = create_engine(_normalise_db_url(database_url))
    try:
        with engine.connect() as conn:
            return json.loads(conn.execute(text("SELECT body FROM bench_facts")).scalar())
    finally:
        engine.dispose()


def build_database(server: str, name: str, cases: int) -> dict:
    from cases_inbox import add_cases
    from national import PASSWORD, build
    admin = create_engine(make_url(_normalise_db_url(server)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url_for_database(server, name), "SECRET_KEY": "bench",
                      "BENCH_NOW": clock.now(), "MENTORING_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        sizes = build(app)
        sizes.update(add_cases(cases))
        from mentoring.auth.models import User
        from mentoring.org.models import GroupMembership

        def member(group, tier):
            uid = db.session.execute(select(GroupMembership.user_id).where(
                GroupMembership.group_id == group, GroupMembership.tier_code == tier)
                .order_by(GroupMembership.user_id).limit(1)).scalar()
            return db.session.get(User, uid).email
        hot = sizes["hot_group"]
        sizes.update(password=PASSWORD, hot_district_email=member(hot, "district"),
                     hot_commune_email=member(hot, "commune"), hot_mentor_email=member(hot, "central"))
        from flask_migrate import stamp
        stamp(directory=str(ROOT / "migrations"))  # so scripts/prod.sh's `db upgrade` finds nothing to do
        db.session.execute(text("CREATE TABLE bench_facts (body text)"))
        db.session.execute(text("INSERT INTO bench_facts VALUES (:b)"), {"b": json.dumps(sizes)})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return sizes


def export(database_url: str, groups: int, path: str, tokens: bool = False) -> dict:
    """Write what the load test's users need (bench/locustfile.py runs in its
    own virtualenv and never imports the app): N groups with their chat room
    and members, and coordinators. Creates the group rooms and coordinators
    that do not exist yet.

    tokens: also mint an API token for every exported member, with the app's
    own issue_token (same hash, same lifetime: MENTORING_TOKEN_LIFETIME_HOURS,
    30 days, far longer than a run), written as each member's "token". The
    Node socket driver (bench/sockets.js) connects 3,000 sockets with them:
    asking POST /api/v1/auth/token for each would hash 3,000 passwords on the
    server during the ramp, a load no phone puts on it (a phone keeps its token)."""
    from mentoring.auth.models import User
    from mentoring.auth.services import create_user, issue_token
    from mentoring.chat.models import ChatRoom
    from mentoring.org.models import GroupMembership
    info = facts(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": _normalise_db_url(database_url), "SECRET_KEY": "bench",
                      "MENTORING_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        coordinators = []
        for i in range(1, 6):
            email = f"coord{i}@bench.test"
            if db.session.execute(select(User.id).where(User.email == email)).scalar() is None:
                create_user(email=email, full_name=f"Điều phối {i}", password=info["password"],
                            role="coordinator")
            coordinators.append(email)
        group_ids = list(range(1, groups + 1))
        have = set(db.session.execute(select(ChatRoom.group_id).where(
            ChatRoom.kind == "group", ChatRoom.group_id.in_(group_ids))).scalars())
        for gid in group_ids:
            if gid not in have:
                db.session.add(ChatRoom(kind="group", group_id=gid, created_at=clock.now()))
        db.session.commit()
        rooms = dict(db.session.execute(select(ChatRoom.group_id, ChatRoom.id).where(
            ChatRoom.kind == "group", ChatRoom.group_id.in_(group_ids))).all())
        rows = db.session.execute(select(GroupMembership.group_id, GroupMembership.tier_code, User.email)
                                  .join(User, User.id == GroupMembership.user_id)
                                  .where(GroupMembership.group_id.in_(group_ids))
                                  .order_by(GroupMembership.group_id, GroupMembership.id)).all()
        out = {gid: {"id": gid, "room": rooms[gid], "members": []} for gid in group_ids}
        minted: dict[str, str] = {}
        if tokens:
            # One token per person (a mentor is in several groups), committed
            # before the file is written: a token in the file is in the database.
            users = db.session.execute(select(User).where(User.email.in_({e for _, _, e in rows}))).scalars()
            for user in users:
                minted[user.email] = issue_token(user)[0]
            db.session.commit()
        for gid, tier, email in rows:
            entry = {"email": email, "tier": tier}
            if tokens:
                entry["token"] = minted[email]
            out[gid]["members"].append(entry)
        db.session.remove()
        db.engine.dispose()
    body = {"password": info["password"], "hot_group": info["hot_group"], "coordinators": coordinators,
            "groups": list(out.values())}
    Path(path).write_text(json.dumps(body))
    return {"groups": len(body["groups"]), "path": path}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--database", default="bench_province")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--export", metavar="FILE", help="write the load test's users (see export())")
    parser.add_argument("--groups", type=int, default=300, help="groups in --export")
    parser.add_argument("--tokens", action="store_true",
                        help="--export also mints an API token per member (for bench/sockets.js)")
    args = parser.parse_args()
    if args.export:
        print(export(url_for_database(args.server, args.database), args.groups, args.export, args.tokens))
        return
    if args.drop:
        admin = create_engine(make_url(_normalise_db_url(args.server)), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        return
    t0 = time.perf_counter()
    sizes = build_database(args.server, args.database, args.cases)
    print(f"built {args.database} in {time.perf_counter() - t0:.0f}s: {json.dumps(sizes)}")


if __name__ == "__main__":
    main()
