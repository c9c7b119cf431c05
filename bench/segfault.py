"""Do gunicorn gthread workers die under concurrent `GET /cases`? (issue 12)

Starts the real production stack (gunicorn -k gthread, W workers of T threads,
PostgreSQL), logs one district worker in (one POST /login: it lands on one
worker only, the others never served a login), then C client threads fetch
that worker's inbox (1,365 open cases in bench/dataset.py's hot group) for S
seconds. Counts answers, connection errors, and worker deaths from the
gunicorn log (a new "Booting worker" after start-up, "SIGSEGV", "Fatal Python
error"). Worker stderr (faulthandler stacks: PYTHONFAULTHANDLER=1) is kept in
the log file printed at the end.

    .venv/bin/python bench/dataset.py --database bench_province --cases 20000   # once
    .venv/bin/python bench/segfault.py --seconds 60 --clients 20
    .venv/bin/python bench/segfault.py --no-warmup ...   # without gunicorn_conf's post_worker_init

The crash's cause was CPython 3.11's garbage collector (mentoring/safe_gc.py,
on by default since stop 19): `--env MENTORING_SAFE_GC=0` brings it back.
Under AddressSanitizer the first double free is reported as it happens:

    .venv/bin/python bench/segfault.py --no-warmup --seconds 600 --clients 60 --threads 100 \
        --env MENTORING_SAFE_GC=0 --env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libasan.so.8 \
        --env PYTHONMALLOC=malloc --env ASAN_OPTIONS=detect_leaks=0:log_path=/tmp/asan/asan

Exit status 1 when a worker died."""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_province"
APP_ROOT = ROOT  # --app-root: serve another checkout (a before/after comparison)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(base: str, email: str, password: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    r = s.post(f"{base}/login", data=data, timeout=30, allow_redirects=False)
    assert r.status_code == 302, (r.status_code, r.text[:500])
    return s


def wait_ready(base: str, proc, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def start_gunicorn(database_url: str, workers: int, threads: int, port: int, log_path: Path,
                   warmup: bool, extra_env: dict | None = None, max_requests: int = 0,
                   worker_class: str = "gthread"):
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench-secret",
               MENTORING_SECURE_COOKIES="false", PYTHONFAULTHANDLER="1",
               MENTORING_LOGIN_RATE_LIMIT="10000 per minute",
               # SQLAlchemy's default pool, the configuration of the crashes
               # (gunicorn_conf.py would otherwise give one connection per thread).
               MENTORING_DB_POOL_SIZE="5", MENTORING_DB_MAX_OVERFLOW="10")
    if not warmup:
        env["MENTORING_WORKER_WARMUP"] = "0"
    env.update(extra_env or {})
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn_conf.py"), "--chdir", str(APP_ROOT),
           "-k", worker_class, "-w", str(workers), "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--control-socket", str(log_path.with_suffix(".ctl"))]
    if max_requests:
        # Recycling workers often turns one run into many cold starts under load:
        # a race on first use gets many chances instead of one per worker.
        cmd += ["--max-requests", str(max_requests)]
    cmd.append("wsgi:app")
    log = open(log_path, "wb")
    return subprocess.Popen(cmd, cwd=APP_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def hammer(base: str, cookies, path: str, clients: int, seconds: float,
           accept_encoding: str | None = None) -> dict:
    counts = {"ok": 0, "status": {}, "errors": 0, "error_kinds": {}, "latencies": []}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run():
        s = requests.Session()
        s.cookies.update(cookies)
        if accept_encoding:
            s.headers["Accept-Encoding"] = accept_encoding
        while time.monotonic() < stop:
            try:
                t0 = time.perf_counter()
                r = s.get(base + path, timeout=30, allow_redirects=False)
                elapsed = time.perf_counter() - t0
                with lock:
                    if r.status_code == 200:
                        counts["ok"] += 1
                        counts["latencies"].append(elapsed)
                    else:
                        counts["status"][r.status_code] = counts["status"].get(r.status_code, 0) + 1
            except requests.RequestException as err:
                with lock:
                    counts["errors"] += 1
                    kind = type(err).__name__
                    counts["error_kinds"][kind] = counts["error_kinds"].get(kind, 0) + 1
                time.sleep(0.05)
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def deaths(log_text: str, workers: int) -> dict:
    booted = len(re.findall(r"Booting worker with pid", log_text))
    return {"workers_booted": booted, "recycled": len(re.findall(r"Autorestarting worker", log_text)),
            "segfaults": len(re.findall(r"Fatal Python error: Segmentation fault", log_text)),
            "sigsegv_reports": len(re.findall(r"SIGSEGV", log_text)),
            "workers_replaced": max(0, booted - workers - len(re.findall(r"Autorestarting worker", log_text)))}


def run(database_url: str, workers: int, threads: int, clients: int, seconds: float, warmup: bool,
        path: str = "/cases", log_dir: Path | None = None, extra_env: dict | None = None,
        max_requests: int = 0, who: str = "district", worker_class: str = "gthread",
        accept_encoding: str | None = None) -> dict:
    from dataset import facts
    info = facts(database_url)
    port = free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="segfault-"))
    log_path = log_dir / f"gunicorn-{'warm' if warmup else 'cold'}-{port}.log"
    proc = start_gunicorn(database_url, workers, threads, port, log_path, warmup, extra_env, max_requests,
                          worker_class)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        session = login(base, info[f"hot_{who}_email"], info["password"])
        load1 = os.getloadavg()[0]
        counts = hammer(base, session.cookies, path, clients, seconds, accept_encoding)
        load2 = os.getloadavg()[0]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log_path.read_text(errors="replace")
    latencies = counts.pop("latencies")
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) if latencies else None
    result = dict(worker_class=worker_class, accept_encoding=accept_encoding, workers=workers,
                  threads=threads, clients=clients, seconds=seconds, warmup=warmup, who=who,
                  p50_ms=pct(0.5), p95_ms=pct(0.95), p99_ms=pct(0.99),
                  path=path, **counts, **deaths(text, workers), rps=round(counts["ok"] / seconds, 1),
                  loadavg=(round(load1, 2), round(load2, 2)), log=str(log_path))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--path", default="/cases")
    parser.add_argument("--who", default="district", choices=("district", "commune", "mentor"),
                        help="whose page: the hot group's district worker, commune worker or mentor")
    parser.add_argument("--app-root", help="serve the app of another checkout (before/after)")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment of gunicorn, e.g. PYTHONMALLOC=debug")
    parser.add_argument("--max-requests", type=int, default=0, help="recycle workers after N requests")
    parser.add_argument("--worker-class", default="gthread", choices=("gthread", "sync", "gevent"),
                        help="gunicorn worker class (-k); gevent workers use --worker-connections 1000")
    parser.add_argument("--accept-encoding", help="the clients' Accept-Encoding (default: requests' own, "
                        "which asks for br when brotli is installed)")
    parser.add_argument("--redis-url", default="", help="REDIS_URL of the app (as in production)")
    args = parser.parse_args()
    global APP_ROOT
    if args.app_root:
        APP_ROOT = Path(args.app_root).resolve()
    extra_env = dict(item.split("=", 1) for item in args.env)
    if args.redis_url:
        extra_env.update(REDIS_URL=args.redis_url, MENTORING_MULTIPROCESS="1")
    result = run(args.database_url, args.workers, args.threads, args.clients, args.seconds,
                 not args.no_warmup, args.path, extra_env=extra_env,
                 max_requests=args.max_requests, who=args.who, worker_class=args.worker_class,
                 accept_encoding=args.accept_encoding)
    print(json.dumps(result))
    sys.exit(1 if result["segfaults"] or result["workers_replaced"] else 0)


if __name__ == "__main__":
    main()
