"""Where a Socket.IO process's memory goes while rooms chat.

    .venv/bin/python bench/socket_memory.py [--sockets 500] [--interval 5] [--seconds 240]
        [--database bench_province] [--redis redis://127.0.0.1:6380/1] [--app wsgi:app]
        [--trace] [--server-env NAME=VALUE] [--every 30] [--out DIR]

Starts one production Socket.IO process (gunicorn -k gevent -w 1, the
Procfile's socketio line, straight on a port: no nginx) on the benchmark
database and Redis, drives it with bench/sockets.js (rooms of 10, one message
per socket every --interval s on average) and samples the process's RSS every
5 s. Inside the worker (bench/memory_conf.py), every --every seconds: live
Python objects by type, glibc's malloc counts (in use / free but kept) and
pymalloc's arenas, and with --trace a tracemalloc snapshot. It prints RSS growth per
message and what grew between the first look after the ramp and the last:
live objects by type (and allocation sites with --trace). Python objects that
stay behind show up there; RSS growth they do not explain is the allocator's
(fragmentation, C extensions).

Needs: bench/dataset.py --database bench_province (once), node_modules (setup)."""
import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def scalar(db_url: str, sql: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar())
    finally:
        engine.dispose()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pid(master: int) -> int | None:
    try:
        children = open(f"/proc/{master}/task/{master}/children").read().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def top_growth(first: str, last: str, limit: int = 15) -> list[str]:
    a = tracemalloc.Snapshot.load(first)
    b = tracemalloc.Snapshot.load(last)
    stats = b.compare_to(a, "traceback")
    lines = []
    for stat in stats[:limit]:
        if stat.size_diff <= 0:
            break
        frames = [f"{fr.filename.replace(ROOT + '/', '')}:{fr.lineno}" for fr in stat.traceback[-6:]]
        lines.append(f"{stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks  <- "
                     + " <- ".join(reversed(frames)))
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sockets", type=int, default=500)
    p.add_argument("--interval", type=float, default=5)
    p.add_argument("--seconds", type=int, default=240)
    p.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="any database URL of the PostgreSQL server (as bench/dataset.py)")
    p.add_argument("--database", default="bench_province")
    p.add_argument("--every", type=int, default=30, help="seconds between two looks inside the worker")
    p.add_argument("--redis", default="redis://127.0.0.1:6380/1")
    p.add_argument("--port", type=int, default=18150)
    p.add_argument("--trace", action="store_true",
                   help="tracemalloc snapshots too (slows the process several times: use a low rate)")
    p.add_argument("--app", default="wsgi:app",
                   help="the WSGI app to serve; bench.python_ref:app is the transport alone (no Flask, no database)")
    p.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                   help="an environment variable of the server only (allocator settings: "
                        "MALLOC_ARENA_MAX=2, LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)")
    p.add_argument("--out", default=f"/tmp/socket-memory-{time.strftime('%H%M%S')}")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sys.path.insert(0, ROOT)
    from bench.dataset import url_for_database
    db_url = url_for_database(args.server, args.database)
    users = os.path.join(args.out, "users.json")
    subprocess.run([sys.executable, "bench/dataset.py", "--server", args.server, "--database", args.database,
                    "--export", users,
                    "--groups", str(max(1, args.sockets // 10)), "--tokens"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=args.redis, MENTORING_MULTIPROCESS="1",
               MENTORING_COMPRESS="0", MENTORING_DB_POOL_SIZE="20", MENTORING_DB_MAX_OVERFLOW="10",
               SECRET_KEY="bench-socket-memory", MENTORING_SECURE_COOKIES="false")
    env["MENTORING_MEMORY_DIR"] = args.out
    env["MENTORING_MEMORY_EVERY"] = str(args.every)
    if args.app != "wsgi:app":
        env["MENTORING_WORKER_WARMUP"] = "0"  # the warm-up is the app's
    env.update(item.split("=", 1) for item in args.server_env)
    if args.trace:
        env["MENTORING_MEMORY_TRACE"] = "1"
    server = subprocess.Popen(
        [".venv/bin/gunicorn", "-c", "bench/memory_conf.py", "-k", "gevent", "-w", "1", "--worker-connections", "5000",
         "--timeout", "600",  # a snapshot holds the event loop for seconds
         "-b", f"127.0.0.1:{args.port}", "--no-control-socket", args.app],
        cwd=ROOT, env=env, stdout=open(os.path.join(args.out, "server.log"), "w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    driver = None
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(1)
        worker = worker_pid(server.pid)
        before = scalar(db_url, "SELECT coalesce(max(id), 0) FROM chat_messages")
        ramp = max(20, args.sockets // 10)
        driver = subprocess.Popen(
            ["node", "bench/sockets.js", "--app", f"http://127.0.0.1:{args.port}", "--users", users,
             "--app-sockets", str(args.sockets), "--rate", str(ramp), "--interval", str(args.interval),
             "--seconds", str(args.seconds), "--out", os.path.join(args.out, "sockets.json")],
            cwd=ROOT, stdout=open(os.path.join(args.out, "sockets.log"), "w"), stderr=subprocess.STDOUT)
        samples = []
        start = time.monotonic()
        while driver.poll() is None:
            samples.append((round(time.monotonic() - start), rss_mib(worker), cpu_seconds(worker)))
            time.sleep(5)
        stored = scalar(db_url, f"SELECT count(*) FROM chat_messages WHERE id > {int(before)}")
    finally:
        if driver and driver.poll() is None:
            driver.kill()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    ramp_end = args.sockets / ramp + 10
    steady = [s for s in samples if s[0] >= ramp_end]
    result = {"app": args.app, "sockets": args.sockets, "interval": args.interval, "seconds": args.seconds,
              "server_env": args.server_env,
              "stored_messages": stored, "rss_mib": samples,
              "driver": json.load(open(os.path.join(args.out, "sockets.json")))
              if os.path.exists(os.path.join(args.out, "sockets.json")) else None}
    acked = (result["driver"] or {}).get("app", {}).get("acked", stored)
    if len(steady) >= 2:
        grown = steady[-1][1] - steady[0][1]
        per_second = acked / max(1, args.seconds)
        msgs = per_second * (steady[-1][0] - steady[0][0])
        result["steady_growth_mib"] = round(grown, 1)
        result["cpu_ms_per_message"] = round((steady[-1][2] - steady[0][2]) * 1000 / msgs, 2) if msgs else None
        result["bytes_per_message"] = round(grown * 2**20 / msgs) if msgs else None
        print(f"RSS after ramp {steady[0][1]:.0f} MiB -> end {steady[-1][1]:.0f} MiB "
              f"({grown:+.1f} MiB over ~{msgs:.0f} messages: {result['bytes_per_message']} B/message); "
              f"{acked} messages acknowledged, {stored} stored; worker CPU {result['cpu_ms_per_message']} ms "
              f"a message (each delivered to its room)")
    looks = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(args.out, "census-*.json")))]
    looks = [c for c in looks if c["seconds"] >= ramp_end]
    if len(looks) >= 2:
        a, b = looks[0], looks[-1]
        grew = sorted(((b["by_type"].get(t, 0) - a["by_type"].get(t, 0), t) for t in b["by_type"]),
                      reverse=True)[:12]
        result["census"] = {"from": a, "to": b, "grew": grew}
        print(f"live objects {a['objects']} -> {b['objects']}, allocated blocks {a['allocated_blocks']} -> "
              f"{b['allocated_blocks']}, RSS {a['rss_mib']} -> {b['rss_mib']} MiB "
              f"(seconds {a['seconds']} -> {b['seconds']})")
        print(f"  glibc malloc {a.get('malloc')} -> {b.get('malloc')}; pymalloc arenas "
              f"{a.get('pymalloc_arenas')} -> {b.get('pymalloc_arenas')}")
        print("  grew most: " + ", ".join(f"{t} {n:+d}" for n, t in grew if n > 0))
    snaps = sorted(glob.glob(os.path.join(args.out, "snapshot-*.trace")))
    after_ramp = [s for s in snaps if int(s.rsplit("-", 1)[1].split(".")[0]) >= ramp_end]
    if len(after_ramp) >= 2:
        result["tracemalloc_growth"] = top_growth(after_ramp[0], after_ramp[-1])
        print("tracemalloc, largest growth between", os.path.basename(after_ramp[0]), "and",
              os.path.basename(after_ramp[-1]))
        for line in result["tracemalloc_growth"]:
            print("  " + line)
    json.dump(result, open(os.path.join(args.out, "result.json"), "w"), indent=1)
    print("->", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
