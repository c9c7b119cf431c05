"""Small smokes of the production stack and its benchmarks (issue 12), so they
keep working: seconds each, no heavy load. The full runs are in bench/
(bench/RESULTS.md has their commands and numbers).

- the HTTP processes (gunicorn -k gevent, as in the Procfile) and the threaded
  workers of bench/segfault.py's harness (-k gthread), with gunicorn_conf.py
  (warm-up), hammered on a worker's inbox by segfault.py's own client loop:
  no worker dies, every answer is a 200;
- the Socket.IO processes: gunicorn -k gevent with gunicorn_conf.py (which
  switches Flask-SocketIO to gevent): a client joins its group room, sends,
  and receives its message;
- the nginx template renders into a configuration nginx accepts (when nginx
  is installed);
- bench/faults.py's kill-web scenario in miniature (a SIGKILLed gevent
  worker: reconnect, re-join, catch up, every message stored once);
- bench/report.py reads a locust run;
- bench/sockets.js (the Node driver of the 3,000-socket runs) against a
  gevent process: 20 sockets in 2 rooms, every message acked, delivered once
  to each other member and stored once."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from pathlib import Path

import pytest
import requests

from tests.conftest import REQUIRE_SERVICES, need_service, scratch_postgres_database
from tests.live import (GROUP_A, LiveServer, seeded_sqlite, bearer, group_room, prepare_database, server_env,
                        token)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(180)]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn_conf.py"), "--no-control-socket"]

@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    return seeded_sqlite(tmp_path_factory, "stack")

def _socket_process(seeded, log) -> LiveServer:
    """A Socket.IO process as the Procfile runs it: gunicorn -k gevent, one worker."""
    base, url = seeded
    server = LiveServer(server_env(url, base / "instance"), log, command=[])
    server.command = GUNICORN + ["-k", "gevent", "-w", "1", "--worker-connections", "100",
                                 "-b", f"127.0.0.1:{server.port}", "wsgi:app"]
    return server

@pytest.mark.parametrize("worker", [
    ["-k", "gevent", "--worker-connections", "50"],  # the Procfile's HTTP processes
    ["-k", "gthread", "--threads", "4"],            # bench/segfault.py's harness
], ids=["gevent", "gthread"])
def test_http_workers_warm_up_and_survive_a_concurrent_inbox(seeded, tmp_path, worker):
    from segfault import deaths, hammer, login
    base, url = seeded
    log = tmp_path / "http.log"
    port_server = LiveServer(server_env(url, base / "instance"), log, command=[])
    port_server.command = GUNICORN + worker + ["-w", "2", "-b", f"127.0.0.1:{port_server.port}", "wsgi:app"]
    with port_server as server:
        session = login(server.url, "district@demo.test", "demo-password")
        counts = hammer(server.url, session.cookies, "/cases", clients=6, seconds=2)
    text = log.read_text()
    assert counts["ok"] > 0 and counts["status"] == {} and counts["errors"] == 0, counts
    assert text.count("warmed up in") == 2, text[-2000:]
    assert deaths(text, workers=2) == {"workers_booted": 2, "recycled": 0, "segfaults": 0,
                                       "sigsegv_reports": 0, "workers_replaced": 0}

def test_socketio_on_a_gevent_process_delivers_a_message(seeded, tmp_path):
    import socketio
    server = _socket_process(seeded, tmp_path / "gevent.log")
    with server:
        tok = token(server.url, GROUP_A[3])
        room = group_room(server.url, tok)
        received, arrived = [], threading.Event()
        sio = socketio.Client(reconnection=False)
        sio.on("message", lambda m: (received.append(m), arrived.set()))
        sio.connect(server.url, auth={"token": tok}, transports=["websocket"], wait_timeout=10)
        try:
            assert sio.call("join", {"room": room}, timeout=10)["ok"] is True
            ack = sio.call("message", {"room": room, "body": "Chào cả nhóm", "client_id": "smoke-1"}, timeout=10)
            assert arrived.wait(10), "no broadcast"
        finally:
            sio.disconnect()
        stored = requests.get(f"{server.url}/api/v1/rooms/{room}/messages?after=0&per_page=200",
                              headers=bearer(tok), timeout=10).json()["items"]
    assert received[0]["id"] == ack["id"] and received[0]["client_id"] == "smoke-1"
    assert [m["id"] for m in stored].count(ack["id"]) == 1
    assert "gevent" in server.log_path.read_text()

def _websocket_handshake(port: int, extensions: str) -> bytes:
    import base64
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        key = base64.b64encode(os.urandom(16)).decode()
        conn.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n", 1)[0]

def test_socket_processes_do_not_compress_websockets(seeded, tmp_path):
    # A browser offers permessage-deflate on every websocket; accepted, it cost
    # each socket a zlib compressor of 256 KiB (bench/RESULTS.md, memray).
    server = _socket_process(seeded, tmp_path / "ws.log")
    with server:
        head = _websocket_handshake(server.port, "permessage-deflate; client_max_window_bits")
    status = head.split(b"\r\n", 1)[0]
    assert b" 101 " in status, head
    assert b"sec-websocket-extensions" not in head.lower(), head

@pytest.mark.skipif(not any(Path(d, "nginx").exists() for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin")),
                    reason="nginx not installed")
def test_the_nginx_template_renders_to_a_valid_configuration(tmp_path):
    text = (ROOT / "deploy" / "nginx.conf.template").read_text()
    servers = "        server 127.0.0.1:8101;\n        server 127.0.0.1:8102;"
    for key, value in {"@RUN@": str(tmp_path), "@ROOT@": str(ROOT), "@LISTEN@": "127.0.0.1:18999",
                       "@HTTP_SERVERS@": servers.replace("81", "80"), "@SOCKET_SERVERS@": servers}.items():
        text = text.replace(key, value)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    nginx = next(str(Path(d, "nginx")) for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin")
                 if Path(d, "nginx").exists())
    result = subprocess.run([nginx, "-t", "-q", "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "ip_hash" in text and "location /socket.io/" in text

def test_the_load_test_report_reads_a_locust_run(tmp_path):
    # bench/report.py turns a bench/load.sh run into the tables of RESULTS.md.
    (tmp_path / "locust_stats.csv").write_text(
        "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%\n"
        "GET,GET /cases (inbox),10,0,2.5,40,90,120\n,Aggregated,10,0,2.5,40,90,120\n")
    (tmp_path / "chat.json").write_text('{"app": {"lost": 0}}')
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "report.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=30, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert "| GET GET /cases (inbox) | 10 | 2.5 | 40 | 90 | 120 | 0 |" in out.stdout

def test_kill_web_scenario_a_killed_socket_worker_loses_and_doubles_nothing(seeded, tmp_path):
    # bench/faults.py --scenario kill-web in miniature: one gevent Socket.IO
    # worker is SIGKILLed between two messages; its master respawns it, the
    # clients reconnect, re-join and catch up; every message is stored once.
    import signal as signals
    from faults import Member, socket_worker_pids
    server = _socket_process(seeded, tmp_path / "kill.log")
    stop = threading.Event()
    with server:
        a_tok, b_tok = token(server.url, GROUP_A[3]), token(server.url, GROUP_A[0])
        room = group_room(server.url, a_tok)
        a, b = Member(server.url, a_tok, room, stop), Member(server.url, b_tok, room, stop)
        a.start()
        b.start()
        a.say("trước khi ngắt")
        for pid in socket_worker_pids(server.port):
            os.kill(pid, signals.SIGKILL)
        a.say("sau khi ngắt")  # resent with the same client_id until the respawned worker acks it
        deadline = time.monotonic() + 20
        stored = []
        while time.monotonic() < deadline:
            stored = requests.get(f"{server.url}/api/v1/rooms/{room}/messages?after=0&per_page=200",
                                  headers=bearer(b_tok), timeout=10).json()["items"]
            mine = [m for m in stored if m.get("client_id") in a.sent]
            if len(mine) == 2 and {m["id"] for m in mine} <= b.seen:
                break
            time.sleep(0.3)
        for member in (a, b):
            member.sio.disconnect()
    mine = [m for m in stored if m.get("client_id") in a.sent]
    assert sorted(m["client_id"] for m in mine) == sorted(a.sent)  # each stored exactly once
    assert {m["id"] for m in mine} <= b.seen  # b got both, live or by its catch-up
    assert a.reconnects >= 1 and b.reconnects >= 1

# Group B of the demo data (mentoring/demo.py): ten of its eleven members.
GROUP_B = ["doctor2@demo.test", "commune2@demo.test"] + [f"{t}-b{i}@demo.test" for t in ("provincial", "district")
                                                         for i in (1, 2, 3, 4)]


def _node_driver_or_skip() -> str:
    node = shutil.which("node")
    reason = ("node is not installed" if node is None else
              "node_modules/socket.io-client is missing (npm ci)"
              if not (ROOT / "node_modules" / "socket.io-client").exists() else None)
    if reason is None:
        return node
    if REQUIRE_SERVICES or os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: bench/sockets.js cannot be checked")
    pytest.skip(reason)


@pytest.fixture
def seeded_postgres(tmp_path):
    # PostgreSQL, not the module's SQLite: 20 sockets' overlapping chat events
    # stall a gevent process on SQLite (a greenlet waits for the write lock in
    # SQLite's C busy handler, 30 s, which blocks the very loop the holder
    # needs; measured: 14 of 20 sockets never connected, WORKER TIMEOUT). The
    # production stack runs gevent on PostgreSQL only.
    server_url = need_service("PostgreSQL", os.environ.get("TEST_DATABASE_URL_PG")
                              or os.environ.get("TEST_DATABASE_URL")
                              or "postgresql://postgres@127.0.0.1:5432/postgres", 5432)
    with scratch_postgres_database(server_url, "mentoring_driver") as url:
        prepare_database(server_env(url, tmp_path / "instance"))
        yield tmp_path, url


def test_the_node_socket_driver_counts_every_message_of_two_rooms(seeded_postgres, tmp_path):
    # bench/sockets.js drives the 3,000-socket runs of bench/load.sh (SOCKETS=N);
    # here 20 of its sockets, 10 in each demo group's room, on one gevent process.
    node = _node_driver_or_skip()
    server = _socket_process(seeded_postgres, tmp_path / "driver.log")
    with server:
        groups = []
        for gid, emails in ((1, GROUP_A[:10]), (2, GROUP_B)):
            members = [{"email": e, "tier": "?", "token": token(server.url, e)} for e in emails]
            groups.append({"id": gid, "room": group_room(server.url, members[0]["token"]), "members": members})
        assert groups[0]["room"] != groups[1]["room"]
        (tmp_path / "users.json").write_text(json.dumps({"groups": groups}))
        out = tmp_path / "sockets.json"
        run = subprocess.run([node, str(ROOT / "bench" / "sockets.js"), "--app", server.url,
                              "--users", str(tmp_path / "users.json"), "--app-sockets", "20", "--rate", "40",
                              "--interval", "1.5", "--seconds", "5", "--drain", "8", "--ack-timeout", "5000",
                              "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=40)
        assert run.returncode == 0, run.stdout + run.stderr
        stored = [m for g in groups for m in requests.get(
            f"{server.url}/api/v1/rooms/{g['room']}/messages?after=0&per_page=200",
            headers=bearer(g["members"][0]["token"]), timeout=10).json()["items"]]
    app = json.loads(out.read_text())["app"]
    assert app["sockets_ever_connected"] == app["sockets_joined_at_end"] == 20, app
    assert app["connect_failures"] == 0 and app["connect_errors"] == {} and app["join_failures"] == {}, app
    # 20 members, a message every 1.5 s on average for 5 s: dozens, each acked
    assert app["messages_sent"] >= 20 and app["acked"] == app["messages_sent"], app
    assert app["ack_errors"] == {} and app["gave_up"] == 0, app
    # nine other members joined for almost every message: delivered to each, once
    assert app["deliveries_expected"] >= 8 * app["messages_sent"], app
    assert app["deliveries"] == app["deliveries_expected"] and app["lost"] == 0 and app["doubled"] == 0, app
    assert app["own_copies"] == app["messages_sent"], app
    assert app["delivery_ms"]["n"] >= app["deliveries"] and app["delivery_ms"]["p99"] is not None
    # and stored once each, under the client_id the driver gave it
    driver_ids = [m["client_id"] for m in stored if (m.get("client_id") or "").startswith("app-")]
    assert len(driver_ids) == len(set(driver_ids)) == app["messages_sent"]
