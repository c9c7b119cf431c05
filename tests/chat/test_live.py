"""Real python-socketio clients against real server processes: one process
(threading server, SQLite), and two processes joined by Redis. Few and
bounded: every wait has a timeout and the servers are always stopped."""
import sys
import threading
import time
import uuid

import pytest
import requests
import socketio

from tests.live import (GROUP_A, LiveServer, seeded_sqlite, bearer, free_port, group_room, server_env,
                        token)

pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(180)]

WAIT = 10


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A demo database (db upgrade + seed-demo through the real CLI)."""
    return seeded_sqlite(tmp_path_factory, "chat-live")


class Client:
    """A python-socketio client that records what it receives."""

    def __init__(self, server_url: str, token: str):
        self.url, self.token = server_url, token
        self.sio = socketio.Client(reconnection=False)
        self.received: dict[str, list] = {}
        self.cond = threading.Condition()
        for name in ("message", "typing", "read", "presence"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name):
        def record(data):
            with self.cond:
                self.received.setdefault(name, []).append(data)
                self.cond.notify_all()
        return record

    def connect(self):
        self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=WAIT)
        return self

    def call(self, event, data):
        return self.sio.call(event, data, timeout=WAIT)

    def wait_for(self, name, predicate=lambda d: True, count=1):
        deadline = time.monotonic() + WAIT
        with self.cond:
            while True:
                found = [d for d in self.received.get(name, []) if predicate(d)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {name!r} within {WAIT}s; got {self.received}")
                self.cond.wait(left)

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()


def history(server_url: str, tok: str, room: int, after: int = 0) -> list[dict]:
    return requests.get(f"{server_url}/api/v1/rooms/{room}/messages?after={after}&per_page=200",
                        headers=bearer(tok), timeout=WAIT).json()["items"]


def test_one_process_two_clients_offline_resend_and_refusals(seeded, tmp_path):
    base, url = seeded
    env = server_env(url, base / "instance")
    clients = []
    with LiveServer(env, tmp_path / "server.log") as server:
        try:
            doctor_token, commune_token = token(server.url, "doctor@demo.test"), token(server.url, "commune@demo.test")
            room = group_room(server.url, doctor_token)
            doctor = Client(server.url, doctor_token).connect()
            commune = Client(server.url, commune_token).connect()
            clients += [doctor, commune]
            assert doctor.call("join", {"room": room})["ok"]
            joined = commune.call("join", {"room": room})
            assert joined["ok"] and joined["last_id"] > 0  # the demo messages

            # live message, typing and read receipt
            ack = doctor.call("message", {"room": room, "body": "Chào em, ca hôm nay thế nào?", "client_id": "live-1"})
            got = commune.wait_for("message", lambda m: m["client_id"] == "live-1")[0]
            assert got["id"] == ack["id"] and got["author"] and got["created_at"]
            doctor.call("typing", {"room": room})
            commune.wait_for("typing", lambda t: t["room"] == room)
            commune.call("read", {"room": room, "message_id": ack["id"]})
            doctor.wait_for("read", lambda r: r["message_id"] == ack["id"])

            # the commune worker goes offline; two messages wait in their outbox;
            # meanwhile the doctor writes; on reconnect: resync, then send, one resent
            last_seen = ack["id"]
            commune.close()
            doctor.wait_for("presence", lambda p: p["online"] is False)
            meanwhile = doctor.call("message", {"room": room, "body": "Em còn đó không?", "client_id": "live-2"})
            outbox = [{"room": room, "body": "Em vừa mất sóng", "client_id": "off-1"},
                      {"room": room, "body": "Bệnh nhân ổn định", "client_id": "off-2"}]
            commune = Client(server.url, commune_token).connect()
            clients.append(commune)
            commune.call("join", {"room": room})
            assert [m["id"] for m in history(server.url, commune_token, room, last_seen)] == [meanwhile["id"]]
            first = [commune.call("message", item)["id"] for item in outbox]
            again = commune.call("message", outbox[1])  # the ack was "lost": resend
            assert again["id"] == first[1] and again["duplicate"]
            arrived = doctor.wait_for("message", lambda m: m["client_id"] in ("off-1", "off-2"), count=2)
            time.sleep(0.3)  # a duplicate broadcast would arrive now
            assert sorted(m["id"] for m in doctor.received["message"]
                          if m["client_id"] in ("off-1", "off-2")) == sorted(first)
            assert [m["client_id"] for m in history(server.url, doctor_token, room, last_seen)] == \
                ["live-2", "off-1", "off-2"]
            assert len(arrived) == 2

            # bad input: error acks, never a crash
            assert "error" in commune.call("message", {"room": room, "body": "", "client_id": "bad-1"})
            assert "error" in commune.call("message", {"room": room, "body": "x" * 4001, "client_id": "bad-2"})
            assert "error" in commune.call("join", {"room": 987654})
            assert "error" in commune.call("join", "not an object")
            outsider_room = group_room(server.url, token(server.url, "doctor2@demo.test"))
            assert commune.call("join", {"room": outsider_room})["error"]["code"] == "not_found"
            refused = socketio.Client(reconnection=False)
            with pytest.raises(socketio.exceptions.ConnectionError):
                refused.connect(server.url, auth={"token": "expired-or-forged"}, transports=["websocket"],
                                wait_timeout=WAIT)
            assert requests.get(server.url + "/healthz", timeout=WAIT).status_code == 200
        finally:
            for c in clients:
                c.close()


def test_a_message_through_process_a_reaches_a_client_on_process_b(seeded, tmp_path, redis_url):
    base, url = seeded
    channel = f"mentoring-test-{uuid.uuid4().hex[:8]}"
    env = server_env(url, base / "instance", REDIS_URL=redis_url, MENTORING_MULTIPROCESS="1",
                     MENTORING_SOCKETIO_CHANNEL=channel)
    clients = []
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "20",
                "-b", f"127.0.0.1:{port}", "wsgi:app"]
    # A: the development server; B: gunicorn as production runs it (docs/deploy.md)
    with LiveServer(env, tmp_path / "a.log") as a, \
            LiveServer(env, tmp_path / "b.log", command=gunicorn, port=port) as b:
        try:
            doctor_token, commune_token = token(a.url, "doctor@demo.test"), token(b.url, "commune@demo.test")
            room = group_room(a.url, doctor_token)
            on_a = Client(a.url, doctor_token).connect()
            on_b = Client(b.url, commune_token).connect()
            clients += [on_a, on_b]
            on_a.call("join", {"room": room})
            on_b.call("join", {"room": room})
            client_id = f"ab-{uuid.uuid4().hex[:8]}"
            ack = on_a.call("message", {"room": room, "body": "Qua máy chủ A", "client_id": client_id})
            got = on_b.wait_for("message", lambda m: m["client_id"] == client_id)
            assert got[0]["id"] == ack["id"] and len(got) == 1
            back = on_b.call("message", {"room": room, "body": "Nhận qua máy chủ B", "client_id": client_id + "-b"})
            assert on_a.wait_for("message", lambda m: m["id"] == back["id"])
        finally:
            for c in clients:
                c.close()


def test_a_busy_room_on_sqlite_loses_nothing(seeded, tmp_path):
    """The whole group writes at once while a reader pages the history: every
    message is acknowledged and stored once. (On SQLite's rollback journal the
    writers waited on readers until the connection pool ran dry.)"""
    base, url = seeded
    env = server_env(url, base / "instance")
    per_writer, run = 15, uuid.uuid4().hex[:6]
    with LiveServer(env, tmp_path / "server.log") as server:
        tokens = [token(server.url, email) for email in GROUP_A]
        room = group_room(server.url, tokens[0])
        start_id = history(server.url, tokens[0], room)[-1]["id"]
        failures, done = [], threading.Event()

        def writer(i, tok):
            client = Client(server.url, tok)
            try:
                client.connect().call("join", {"room": room})
                for k in range(per_writer):
                    ack = client.call("message", {"room": room, "body": f"{i}/{k}", "client_id": f"{run}-{i}-{k}"})
                    if "id" not in ack:
                        failures.append(ack)
                        continue
                    client.call("read", {"room": room, "message_id": ack["id"]})
            except Exception as err:  # a timeout is a failure too, not a crash of the test thread
                failures.append(repr(err))
            finally:
                client.close()

        def reader():
            while not done.is_set():
                history(server.url, tokens[1], room, start_id)

        # Meanwhile the mentors answer a case over HTTP: requests that read,
        # then write, racing the chat writers for SQLite's single write lock.
        group_id = requests.get(server.url + "/api/v1/groups", headers=bearer(tokens[3]),
                                timeout=WAIT).json()["items"][0]["id"]
        case = requests.post(server.url + "/api/v1/cases", headers=bearer(tokens[3]), timeout=WAIT, json={
            "group_id": group_id, "age_years": 54, "sex": "female", "complaint": "Đau đầu 3 ngày",
            "question": "Có nên tăng liều không?", "urgency": "routine", "icd10": ["I10"],
            "patient_consent": True})
        assert case.status_code == 201, case.text

        def replier(tok):
            for k in range(5):
                r = requests.post(f"{server.url}/api/v1/cases/{case.json()['id']}/replies", headers=bearer(tok),
                                  json={"body": f"Trả lời {k}"}, timeout=30)
                if r.status_code != 201:
                    failures.append((r.status_code, r.text[:200]))

        threads = [threading.Thread(target=writer, args=(i, tok)) for i, tok in enumerate(tokens)]
        threads += [threading.Thread(target=replier, args=(tok,)) for tok in tokens[:3]]
        paging = threading.Thread(target=reader)
        paging.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        done.set()
        paging.join(30)
        assert failures == []
        stored, after = [], start_id
        while page := history(server.url, tokens[0], room, after):
            stored += [m["client_id"] for m in page]
            after = page[-1]["id"]
        mine = [c for c in stored if c.startswith(run)]
        assert len(mine) == len(set(mine)) == len(GROUP_A) * per_writer
        assert "Traceback" not in (tmp_path / "server.log").read_text()
