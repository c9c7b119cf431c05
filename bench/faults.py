"""Faults under chat load, against the production stack (scripts/prod.sh).

    .venv/bin/python bench/faults.py --scenario kill-web       # SIGKILL one Socket.IO worker mid-conversation
    .venv/bin/python bench/faults.py --scenario redis-restart  # restart the stack's Redis mid-conversation
    .venv/bin/python bench/faults.py --scenario pg-stop        # stop PostgreSQL for 10 s (a throw-away cluster)

pg-stop never touches the shared PostgreSQL: it creates (once) a cluster of
its own in /tmp/faults-pg on port 5440, builds a small data set there
(bench/dataset.py, 2,000 cases), runs the stack on it, and stops that
cluster for --outage seconds while a prober fetches a district worker's
inbox every 0.2 s: which statuses did people get, and how long after
PostgreSQL came back did pages work again, without restarting anything.

Starts the stack on the benchmark database (bench/dataset.py) with its own
Redis (port 6380: the shared Redis on 6379 is never touched), connects
ROOMS x 10 members (python-socketio, websocket, token auth, reconnection on),
and has every member say something every --interval seconds for --seconds.
A client does what the real one does (mentoring/static/js): a message is
resent with the same client_id until acked (the server stores it once), and
after a reconnect the client re-joins and asks for what came after the last
id it saw. At --fault-at seconds the fault is injected. At the end:

- sent: messages the clients wanted to send; acked; stored (by client_id,
  from the room history): each must be stored exactly once;
- delivered: for every member, every message stored in its room during the
  run must have reached it (live or by the catch-up after a reconnect).

Prints one JSON line; exit status 1 if anything was lost or doubled."""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


class Member:
    def __init__(self, url: str, token: str, room: int, stop: threading.Event):
        self.url, self.token, self.room, self.stop = url, token, room, stop
        self.seen: set[int] = set()
        self.last_id = 0
        self.sent: list[str] = []
        self.acked: set[str] = set()
        self.reconnects = 0
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
        self.sio.on("message", self._message)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.resume_from = 0
        self.joined = threading.Event()
        self._first = True

    def _message(self, msg):
        if isinstance(msg, dict) and msg.get("room") == self.room:
            with self.lock:
                self.seen.add(msg["id"])
                self.last_id = max(self.last_id, msg["id"])

    def _disconnected(self, *args):
        # What the client had when the line dropped: live messages arriving
        # after the re-join must not move the catch-up past the gap.
        with self.lock:
            self.resume_from = self.last_id

    def _connected(self):
        if self._first:
            self._first = False
            return
        self.reconnects += 1
        threading.Thread(target=self._rejoin, daemon=True).start()

    def _rejoin(self):
        self.joined.clear()
        for _ in range(20):
            try:
                if self.sio.call("join", {"room": self.room}, timeout=5).get("ok"):
                    break
            except Exception:  # noqa: BLE001
                time.sleep(0.5)
        self.catch_up()
        self.joined.set()

    def catch_up(self):
        after = self.resume_from
        r = requests.get(f"{self.url}/api/v1/rooms/{self.room}/messages?after={after}&per_page=200",
                         headers={"Authorization": f"Bearer {self.token}"}, timeout=20)
        for m in r.json().get("items", []):
            self._message(dict(m, room=self.room))

    def start(self):
        self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=20)
        ack = self.sio.call("join", {"room": self.room}, timeout=20)
        self.last_id = ack.get("last_id", 0)
        self.joined.set()

    def say(self, body: str):
        client_id = uuid.uuid4().hex
        self.sent.append(client_id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.joined.wait(10)
            try:
                ack = self.sio.call("message", {"room": self.room, "body": body, "client_id": client_id}, timeout=5)
                if isinstance(ack, dict) and ack.get("id"):
                    self.acked.add(client_id)
                    return
            except Exception:  # noqa: BLE001 - not acked: resend the same client_id
                pass
            time.sleep(0.3)


PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_DIR = Path("/tmp/faults-pg")
PG_PORT = 5440


def pg_ctl(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(PG_DIR), *args],
                   check=True, capture_output=True, timeout=60)


def throwaway_cluster(database: str) -> None:
    """Our own PostgreSQL on PG_PORT, with the benchmark data set in `database`."""
    if not (PG_DIR / "PG_VERSION").exists():
        PG_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "postgres", str(PG_DIR)], check=True)
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(PG_DIR), "-A", "trust"],
                       check=True, capture_output=True, timeout=120)
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PG_PORT)]).returncode:
        pg_ctl("-o", f"-p {PG_PORT} -k /tmp -c max_connections=200", "-l", str(PG_DIR / "log"), "-w", "start")
    server = f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres"
    from dataset import build_database, facts, url_for_database
    try:
        facts(url_for_database(server, database))
    except Exception:  # noqa: BLE001 - not built yet
        build_database(server, database, 2000)


def start_stack(database: str, redis_url: str, port: int, run: Path, pg_port: int = 5432) -> subprocess.Popen:
    env = dict(os.environ, PROD_SKIP_SETUP="1", DATABASE_URL=f"postgresql://postgres@127.0.0.1:{pg_port}/{database}",
               REDIS_URL=redis_url, MENTORING_SECURE_COOKIES="false", MENTORING_RUN=str(run),
               MENTORING_LISTEN=str(port), MENTORING_LOGIN_RATE_LIMIT="100000 per minute")
    run.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(ROOT / "scripts" / "prod.sh")], cwd=ROOT, env=env, start_new_session=True,
                            stdout=open(run / "stack.log", "wb"), stderr=subprocess.STDOUT)
    for _ in range(180):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                time.sleep(2)  # both Socket.IO processes warmed up
                return proc
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError("stack did not start: " + (run / "stack.log").read_text()[-2000:])


def socket_worker_pids(port: int) -> list[int]:
    """The gunicorn worker (not master) of the Socket.IO process on `port`."""
    out = subprocess.run(["pgrep", "-f", f"gevent.*127.0.0.1:{port}"], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    return [p for p in pids if any(str(q) == open(f"/proc/{p}/stat").read().split()[3] for q in pids)]


def inject(scenario: str, redis_port: int) -> str:
    if scenario == "kill-web":
        # ip_hash sends every loopback client to one process: kill the one holding them.
        victims = socket_worker_pids(8101) + socket_worker_pids(8102)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        return f"SIGKILL Socket.IO workers {victims} (gunicorn masters respawn them)"
    if scenario == "redis-restart":
        subprocess.run(["redis-cli", "-p", str(redis_port), "shutdown", "nosave"], capture_output=True)
        time.sleep(2)
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(redis_port),
                        "--save", "", "--appendonly", "no", "--dir", "/tmp", "--logfile",
                        f"/tmp/redis-{redis_port}.log"], check=True)
        return f"Redis :{redis_port} shut down and restarted 2 s later"
    if scenario == "pg-stop":
        pg_ctl("-m", "fast", "-w", "stop")
        return f"PostgreSQL :{PG_PORT} stopped (fast)"
    raise ValueError(scenario)


def probe(url: str, cookies, stop: threading.Event, seen: list) -> None:
    """A district worker opening the inbox every 0.2 s: (time, status or error)."""
    s = requests.Session()
    s.cookies.update(cookies)
    while not stop.is_set():
        t = time.monotonic()
        try:
            r = s.get(f"{url}/cases", timeout=15, allow_redirects=False)
            seen.append((t, r.status_code, r.headers.get("Retry-After")))
        except requests.RequestException as err:
            seen.append((t, type(err).__name__, None))
        time.sleep(0.2)


def outage_report(probes: list, down_at: float, up_at: float) -> dict:
    def histogram(rows):
        out: dict[str, int] = {}
        for _, status, _ in rows:
            out[str(status)] = out.get(str(status), 0) + 1
        return out
    during = [p for p in probes if down_at <= p[0] < up_at]
    after = [p for p in probes if p[0] >= up_at]
    first_ok = next((p[0] for p in after if p[1] == 200), None)
    return {"inbox_before": histogram([p for p in probes if p[0] < down_at]),
            "inbox_during_outage": histogram(during),
            "retry_after_headers": sorted({p[2] for p in during if p[2]}),
            "inbox_after": histogram(after),
            "first_200_after_restart_s": round(first_ok - up_at, 2) if first_ok else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("kill-web", "redis-restart", "pg-stop"), required=True)
    parser.add_argument("--outage", type=float, default=10, help="pg-stop: seconds PostgreSQL stays down")
    parser.add_argument("--database", default="bench_province")
    parser.add_argument("--rooms", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--fault-at", type=float, default=7)
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--redis-port", type=int, default=6380)
    args = parser.parse_args()
    from dataset import export, url_for_database
    run = Path(f"/tmp/faults-{args.scenario}-{int(time.time())}")
    run.mkdir(parents=True)
    pg_port = 5432
    if args.scenario == "pg-stop":
        args.database, pg_port = "bench_pgstop", PG_PORT
        throwaway_cluster(args.database)
    export(url_for_database(f"postgresql://postgres@127.0.0.1:{pg_port}/postgres", args.database),
           args.rooms, str(run / "users.json"))
    data = json.loads((run / "users.json").read_text())
    if subprocess.run(["redis-cli", "-p", str(args.redis_port), "ping"], capture_output=True).returncode:
        inject("redis-restart", args.redis_port)  # start it
    stack = start_stack(args.database, f"redis://127.0.0.1:{args.redis_port}/2", args.port, run, pg_port)
    url = f"http://127.0.0.1:{args.port}"
    stop = threading.Event()
    members: list[Member] = []
    try:
        for group in data["groups"]:
            for m in group["members"][:10]:
                tok = requests.post(f"{url}/api/v1/auth/token", json={"email": m["email"],
                                                                       "password": data["password"]}, timeout=30)
                member = Member(url, tok.json()["token"], group["room"], stop)
                member.start()
                members.append(member)
        start_ids = {m.room: m.last_id for m in members}
        t0 = time.monotonic()
        fault = {}

        def talk(member: Member, i: int):
            n = 0
            while time.monotonic() - t0 < args.seconds:
                member.say(f"Tin nhắn {i}-{n}")
                n += 1
                time.sleep(args.interval)
        threads = [threading.Thread(target=talk, args=(m, i)) for i, m in enumerate(members)]
        for t in threads:
            t.start()
        probes: list = []
        if args.scenario == "pg-stop":
            from segfault import login
            district = next(m["email"] for m in data["groups"][0]["members"] if m["tier"] == "district")
            cookies = login(url, district, data["password"]).cookies
            threading.Thread(target=probe, args=(url, cookies, stop, probes), daemon=True).start()
        time.sleep(args.fault_at)
        down_at = time.monotonic()
        fault["what"] = inject(args.scenario, args.redis_port)
        fault["at_s"] = round(down_at - t0, 1)
        if args.scenario == "pg-stop":
            time.sleep(args.outage)
            pg_ctl("-o", f"-p {PG_PORT} -k /tmp -c max_connections=200", "-l", str(PG_DIR / "log"), "-w", "start")
            up_at = time.monotonic()
            fault["what"] += f", started again after {round(up_at - down_at, 1)} s"
        for t in threads:
            t.join()
        time.sleep(3)  # the last broadcasts
        # stored, per room, since the run began
        stored: dict[int, list[dict]] = {}
        for m in members:
            if m.room not in stored:
                r = requests.get(f"{url}/api/v1/rooms/{m.room}/messages?after={start_ids[m.room]}&per_page=200",
                                 headers={"Authorization": f"Bearer {m.token}"}, timeout=20).json()["items"]
                stored[m.room] = r
        by_client: dict[str, int] = {}
        for items in stored.values():
            for msg in items:
                if msg.get("client_id"):
                    by_client[msg["client_id"]] = by_client.get(msg["client_id"], 0) + 1
        sent = [c for m in members for c in m.sent]
        missing_deliveries = sum(len({x["id"] for x in stored[m.room]} - m.seen) for m in members)
        result = {
            "scenario": args.scenario, "fault": fault, "clients": len(members), "seconds": args.seconds,
            "sent": len(sent), "acked": sum(len(m.acked) for m in members),
            "stored": sum(1 for c in sent if by_client.get(c)),
            "stored_twice": sum(1 for c in sent if by_client.get(c, 0) > 1),
            "not_stored": sum(1 for c in sent if not by_client.get(c)),
            "deliveries_expected": sum(len(stored[m.room]) for m in members),
            "deliveries_missing": missing_deliveries,
            "clients_reconnected": sum(1 for m in members if m.reconnects),
            **(outage_report(probes, down_at, up_at) if args.scenario == "pg-stop" else {}),
            "loadavg": round(os.getloadavg()[0], 1), "log": str(run / "stack.log"),
        }
        print(json.dumps(result))
        ok = not (result["stored_twice"] or result["not_stored"] or missing_deliveries)
    finally:
        stop.set()
        for m in members:
            try:
                m.sio.disconnect()
            except Exception:  # noqa: BLE001
                pass
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
