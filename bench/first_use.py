"""Many cold workers cheaply: does the first concurrent use of a request path
crash a fresh process? (issue 12, the gthread segfault)

The app is created once; then, K times, a child is forked (a "worker" that has
served nothing, like a gunicorn worker after boot) and C threads released by
one barrier run the same request at the same instant through the test client
(no HTTP: the crash was in the application's process, not in gunicorn).
A child that dies by a signal is counted. --warm runs the worker warm-up
(mentoring.warmup) in the child before the threads start.

    .venv/bin/python bench/first_use.py --children 40 --threads 16 [--path /cases] [--warm]
"""
import argparse
import json
import os
import re
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_province"


def child(app, cookie: str, path: str, threads: int, rounds: int, warm: bool) -> int:
    import faulthandler
    faulthandler.enable()
    from mentoring.extensions import db
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections are not ours
    if warm:
        from mentoring.warmup import warm_up
        warm_up(app)
    barrier = threading.Barrier(threads)
    failures = []

    def run():
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        for _ in range(rounds):
            r = client.get(path)
            if r.status_code != 200:
                failures.append(r.status_code)
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--children", type=int, default=40)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--path", default="/cases")
    parser.add_argument("--warm", action="store_true")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY="bench-secret",
                      MENTORING_SECURE_COOKIES="false")
    from dataset import facts
    info = facts(args.database_url)
    from mentoring import create_app
    # The cookie comes from a throw-away process, so the app below has served nothing.
    import multiprocessing
    parent, kid = multiprocessing.Pipe()
    pid = os.fork()
    if pid == 0:
        app = create_app()
        c = app.test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"email": info["hot_district_email"], "password": info["password"],
                               "csrf_token": token})
        kid.send(c.get_cookie("session").value)
        os._exit(0)
    cookie = parent.recv()
    os.waitpid(pid, 0)
    app = create_app()
    signals: dict[str, int] = {}
    for _ in range(args.children):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                code = child(app, cookie, args.path, args.threads, args.rounds, args.warm)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
        else:
            name = f"exit {os.WEXITSTATUS(status)}"
        signals[name] = signals.get(name, 0) + 1
    print(json.dumps({"children": args.children, "threads": args.threads, "path": args.path,
                      "warm": args.warm, "outcomes": signals, "loadavg": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
