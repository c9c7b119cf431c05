"""Is it libpq's GSSAPI start-up? Concurrent first connections, nothing else.
(issue 12, the gthread segfault)

K times, a fresh child process (forked before any connection was made)
opens T threads that each connect to PostgreSQL over TCP, run SELECT 1 and
close, R times, all released at the same instant: what a cold gthread worker
does when its first requests outgrow the pool. A child killed by a signal is
counted. Compare the libpq default (gssencmode=prefer: libpq asks the
Kerberos library for credentials on every TCP connection, and that library's
first initialisation is not thread-safe) with gssencmode=disable.

    .venv/bin/python bench/connect_race.py --children 40 --threads 16 [--gssencmode disable]
"""
import argparse
import json
import os
import signal
import threading

DEFAULT_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def child(dsn: str, threads: int, rounds: int) -> None:
    import faulthandler
    import psycopg
    faulthandler.enable()
    barrier = threading.Barrier(threads)

    def run():
        barrier.wait()
        for _ in range(rounds):
            with psycopg.connect(dsn) as conn:
                conn.execute("SELECT 1").fetchone()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def trial(dsn: str, children: int, threads: int, rounds: int) -> dict:
    outcomes: dict[str, int] = {}
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                child(dsn, threads, rounds)
            except Exception:  # noqa: BLE001
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        key = (signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status)
               else f"exit {os.WEXITSTATUS(status)}")
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--children", type=int, default=40)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gssencmode", default="", help="appended to the DSN (default: libpq's, prefer)")
    args = parser.parse_args()
    dsn = args.dsn + (f" gssencmode={args.gssencmode}" if args.gssencmode else "")
    import psycopg  # noqa: F401  (imported, not connected, before the forks: like gunicorn --preload)
    outcomes = trial(dsn, args.children, args.threads, args.rounds)
    print(json.dumps({"dsn": dsn, "children": args.children, "threads": args.threads,
                      "rounds": args.rounds, "outcomes": outcomes,
                      "loadavg": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
