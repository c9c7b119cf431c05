"""What one chat `message` event costs the app, the transport aside: CPU time
and SQL statements (round trips) per message, in one process, on the
benchmark database.

    .venv/bin/python bench/chat_event_cost.py [--database bench_province] [--messages 2000]
        [--rooms 20] [--profile FILE]

Also a socket's connect and `join` (a reconnect storm is made of them), per
socket. Runs the real handler through Flask-SocketIO's test client (token login as
the load test's sockets do, the door, the policy, the insert and commit, the
payload), one client per member of --rooms group rooms, each sending in turn.
No Redis: the publish is the transport's cost, which bench/socket_memory.py
measures with the rest. CPU is this process's own (time.process_time), so a
busy machine slows it little; statements are counted by SQLAlchemy events,
BEGIN/SAVEPOINT/COMMIT included. --profile FILE writes a pyinstrument profile
of the timed part (HTML if FILE ends in .html, else text); SHOW=N in the
environment prints the first N statements of the timed part.

Needs: bench/dataset.py --database bench_province (once)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.dataset import DEFAULT_SERVER, url_for_database  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", default=DEFAULT_SERVER,
                   help="any database URL of the PostgreSQL server (as bench/dataset.py)")
    p.add_argument("--database", default="bench_province")
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--rooms", type=int, default=20)
    p.add_argument("--profile", metavar="FILE")
    args = p.parse_args()
    db_url = url_for_database(args.server, args.database)
    users_file = os.path.join(tempfile.mkdtemp(prefix="chat-event-cost-"), "users.json")
    subprocess.run([sys.executable, "bench/dataset.py", "--server", args.server, "--database", args.database,
                    "--export", users_file, "--groups", str(args.rooms), "--tokens"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    users = json.load(open(users_file))
    os.environ.update(DATABASE_URL=db_url, REDIS_URL="", SECRET_KEY="bench-chat-event-cost",
                      MENTORING_CHAT_RATE_LIMIT="1000000 per second")  # the limiter runs; nobody is refused

    from sqlalchemy import event

    from mentoring import create_app
    from mentoring.extensions import db, socketio
    app = create_app()
    clients = []
    with app.app_context():
        statements = 0
        shown = []

        def count(*args, **_kwargs):
            nonlocal statements
            statements += 1
            if len(shown) < 40:
                shown.append(args[2].split("\n")[0][:100] if len(args) > 2 and isinstance(args[2], str)
                             else "<transaction>")

        engine = db.engine
        for name in ("before_cursor_execute", "begin", "savepoint", "release_savepoint", "commit", "rollback"):
            event.listen(engine, name, count)

        def connect(groups) -> None:
            for group in groups:
                for member in group["members"]:
                    client = socketio.test_client(app, auth={"token": member["token"]})
                    ack = client.emit("join", {"room": group["room"]}, callback=True)
                    assert ack.get("ok"), ack
                    clients.append((client, group["room"]))

        groups = users["groups"][:args.rooms]
        connect(groups[:1])  # warm
        statements = 0
        shown.clear()
        cpu = time.process_time()
        connect(groups[1:])
        connects = len(clients) - len(groups[0]["members"])
        connect_cpu, connect_statements = time.process_time() - cpu, statements
        if os.environ.get("SHOW"):
            print("connect and join:\n" + "\n".join(shown[:int(os.environ["SHOW"])]))

        def send(n: int) -> None:
            for i in range(n):
                client, room = clients[i % len(clients)]
                ack = client.emit("message", {"room": room, "body": f"bench {i}", "client_id": uuid.uuid4().hex},
                                  callback=True)
                assert "id" in ack, ack

        send(min(200, args.messages))  # warm: caches, pool, compiled statements
        for client, _room in clients:
            client.get_received()
        statements = 0
        shown.clear()
        profiler = None
        if args.profile:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.0005)
            profiler.start()
        cpu, wall = time.process_time(), time.perf_counter()
        send(args.messages)
        if os.environ.get("SHOW"):
            print("message:\n" + "\n".join(shown[:int(os.environ["SHOW"])]))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler:
            profiler.stop()
            open(args.profile, "w").write(profiler.output_html() if args.profile.endswith(".html")
                                          else profiler.output_text(color=False))
        per = statements / args.messages
        print(json.dumps({"messages": args.messages, "clients": len(clients),
                          "connect_join_cpu_ms": round(connect_cpu * 1000 / max(1, connects), 2),
                          "connect_join_statements": round(connect_statements / max(1, connects), 2),
                          "cpu_ms_per_message": round(cpu * 1000 / args.messages, 2),
                          "wall_ms_per_message": round(wall * 1000 / args.messages, 2),
                          "statements_per_message": round(per, 2)}))
        for client, _room in clients:
            client.disconnect()


if __name__ == "__main__":
    main()
