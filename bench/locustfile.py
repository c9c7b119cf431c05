"""A province's real mix against the production stack (bench/load.sh runs it).

Runs in its own virtualenv (.venv-locust: locust + python-socketio client)
and never imports the app: identities come from the JSON written by
`bench/dataset.py --export` (groups with their chat room and members,
coordinators, the shared bench password).

Users (weights: LOAD_WEIGHTS, JSON, overrides):
- CommuneWorker: home page, posts a case (API), reads the replies of its cases.
- InboxWorker: the group's mentor or a district worker: inbox, opens a case, replies.
- Coordinator: cascade overview, sessions, the coordinator's home (dashboard).
- ChatMember: one Socket.IO client (websocket transport, token auth) in its
  group's room (10 members a room); says something every CHAT_INTERVAL s.
- NodeChatMember: the same against bench/node_ref.js (the ceiling), if NODE_HOST.
- BareUser: a bare Flask route (bench/bare_flask.py), if BARE_HOST.

Chat delivery latency is measured sender -> every receiver ("chat delivery"),
the ack separately ("chat send (ack)"). At the end, LOAD_SUMMARY (JSON) gets
sockets held, messages sent / acked / delivered, lost and doubled."""
import itertools
import json
import os
import random
import re
import threading
import time
import uuid

import socketio
from locust import HttpUser, User, between, events, task

DATA = json.load(open(os.environ.get("LOAD_DATA", "/tmp/lt-users.json")))
PASSWORD = DATA["password"]
GROUPS = DATA["groups"]
CHAT_INTERVAL = float(os.environ.get("CHAT_INTERVAL", "60"))
NODE_HOST = os.environ.get("NODE_HOST")
BARE_HOST = os.environ.get("BARE_HOST")
WEIGHTS = {"CommuneWorker": 20, "InboxWorker": 12, "Coordinator": 3, "ChatMember": 55,
           "NodeChatMember": 8, "BareUser": 2}
WEIGHTS.update(json.loads(os.environ.get("LOAD_WEIGHTS", "{}")))

_counters: dict[str, itertools.count] = {}
_lock = threading.Lock()


def next_index(kind: str) -> int:
    with _lock:
        return next(_counters.setdefault(kind, itertools.count()))


def members(tiers: tuple[str, ...]) -> list[dict]:
    return [m for g in GROUPS for m in g["members"] if m["tier"] in tiers]


COMMUNE = members(("commune",))
INBOX = members(("central", "district"))


def login(client, email: str) -> None:
    page = client.get("/login", name="GET /login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    with client.post("/login", data=data, name="POST /login", allow_redirects=False,
                     catch_response=True) as r:
        if r.status_code != 302:
            r.failure(f"login {email}: {r.status_code}")


def api_token(client, email: str) -> str | None:
    r = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD},
                    name="POST /api/v1/auth/token")
    return r.json().get("token") if r.status_code in (200, 201) else None


# --- HTTP users -------------------------------------------------------------

class CommuneWorker(HttpUser):
    weight = WEIGHTS["CommuneWorker"]
    wait_time = between(3, 10)

    def on_start(self):
        self.me = COMMUNE[next_index("commune") % len(COMMUNE)]
        self.my_group = next(g for g in GROUPS if self.me in g["members"])
        self.token = api_token(self.client, self.me["email"])  # before the cookie: no CSRF then
        login(self.client, self.me["email"])
        self.cases: list[int] = []

    @task(4)
    def home(self):
        self.client.get("/", name="GET / (commune worker home)")

    @task(1)
    def post_case(self):
        if not self.token:
            return
        r = self.client.post("/api/v1/cases", name="POST /api/v1/cases", headers=self._auth(), json={
            "group_id": self.my_group["id"], "age_years": random.randint(20, 85), "sex": "female",
            "complaint": "Đau đầu, chóng mặt 3 ngày", "question": "Có nên tăng liều amlodipine không?",
            "urgency": "routine", "icd10": ["I10"], "patient_consent": True})
        if r.status_code == 201:
            self.cases.append(r.json()["id"])

    @task(2)
    def read_replies(self):
        if self.cases:
            self.client.get(f"/cases/{random.choice(self.cases[-5:])}", name="GET /cases/<id> (own case)")
        else:
            self.client.get("/cases", name="GET /cases (commune worker)")

    def _auth(self):
        return {"Authorization": f"Bearer {self.token}"}


class InboxWorker(HttpUser):
    """A mentor or a district worker working the inbox."""
    weight = WEIGHTS["InboxWorker"]
    wait_time = between(3, 10)

    def on_start(self):
        self.me = INBOX[next_index("inbox") % len(INBOX)]
        self.token = api_token(self.client, self.me["email"])
        login(self.client, self.me["email"])
        self.open: list[int] = []

    @task(4)
    def inbox(self):
        self.client.get("/cases", name=f"GET /cases (inbox, {self.me['tier']})")

    @task(2)
    def open_case(self):
        if not self.open and self.token:
            r = self.client.get("/api/v1/cases?status=open", name="GET /api/v1/cases?status=open",
                                headers={"Authorization": f"Bearer {self.token}"})
            if r.status_code == 200:
                self.open = [c["id"] for c in r.json().get("items", [])]
        if self.open:
            self.client.get(f"/cases/{random.choice(self.open)}", name="GET /cases/<id> (inbox case)")

    @task(1)
    def reply(self):
        if self.open and self.token:
            case_id = random.choice(self.open)
            with self.client.post(f"/api/v1/cases/{case_id}/replies", name="POST /api/v1/cases/<id>/replies",
                                  json={"body": "Tiếp tục theo dõi huyết áp, tái khám sau 1 tuần."},
                                  headers={"Authorization": f"Bearer {self.token}"}, catch_response=True) as r:
                if r.status_code in (403, 409, 422):  # answered or moved on by another: not a server fault
                    r.success()
                    self.open.remove(case_id)


class Coordinator(HttpUser):
    weight = WEIGHTS["Coordinator"]
    wait_time = between(5, 15)

    def on_start(self):
        login(self.client, DATA["coordinators"][next_index("coord") % len(DATA["coordinators"])])

    @task
    def overview(self):
        self.client.get("/groups/overview", name="GET /groups/overview")

    @task
    def sessions(self):
        self.client.get("/sessions", name="GET /sessions")

    @task
    def dashboard(self):
        # The coordinator's home is the cascade dashboard (the certification
        # dashboard needs a programme, which the national data set has none of).
        self.client.get("/", name="GET / (coordinator dashboard)")


class BareUser(HttpUser):
    weight = WEIGHTS["BareUser"]
    wait_time = between(0.5, 1.5)

    @task
    def bare(self):
        # An absolute URL: locust's --host replaces every user class's own host.
        self.client.get(f"{BARE_HOST}/bare", name="GET /bare (bare Flask, ceiling)")


# --- chat -------------------------------------------------------------------

class ChatLedger:
    """Sent, acked and delivered chat messages of this locust process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: dict[str, dict] = {}      # client_id -> {t, room, expected, kind}
        self.delivered: dict[str, int] = {}  # client_id -> deliveries
        self.doubled = 0
        self.acked = {"app": 0, "node": 0}
        self.ack_errors = {"app": 0, "node": 0}
        self.connected = {"app": 0, "node": 0}
        self.peak = {"app": 0, "node": 0}
        self.connect_failures = {"app": 0, "node": 0}
        self.in_room: dict[tuple[str, int], int] = {}

    def seen(self, kind, client_id, receiver_sid, seen_by: set) -> float | None:
        with self.lock:
            sent = self.sent.get(client_id)
            if sent is None:
                return None
            key = (client_id, receiver_sid)
            if key in seen_by:
                self.doubled += 1
                return None
            seen_by.add(key)
            self.delivered[client_id] = self.delivered.get(client_id, 0) + 1
            return (time.time() - sent["t"]) * 1000

    def summary(self, settle: float = 5.0) -> dict:
        now = time.time()
        out = {}
        for kind in ("app", "node"):
            msgs = {k: v for k, v in self.sent.items() if v["kind"] == kind and now - v["t"] > settle}
            expected = sum(v["expected"] for v in msgs.values())
            delivered = sum(min(self.delivered.get(k, 0), v["expected"]) for k, v in msgs.items())
            out[kind] = {"sockets_peak": self.peak[kind], "sockets_at_end": self.connected[kind],
                         "connect_failures": self.connect_failures[kind], "messages_sent": len(msgs),
                         "deliveries_expected": expected, "deliveries": delivered,
                         "lost": expected - delivered, "acked_all": self.acked[kind],
                         "ack_errors": self.ack_errors[kind]}
        out["doubled"] = self.doubled
        return out


LEDGER = ChatLedger()


class _ChatClient(User):
    abstract = True
    kind = "app"
    wait_time = between(CHAT_INTERVAL * 0.5, CHAT_INTERVAL * 1.5)

    def connect_args(self) -> dict:
        raise NotImplementedError

    def base_url(self) -> str:
        raise NotImplementedError

    def on_start(self):
        i = next_index(self.kind)
        group = GROUPS[(i // 10) % len(GROUPS)]
        self.member = group["members"][i % 10]
        self.room = group["room"] if self.kind == "app" else group["id"]
        self.seen_by: set = set()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=1, request_timeout=20)
        self.sio.on("message", self._on_message)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        t0 = time.time()
        try:
            self.sio.connect(self.base_url(), transports=["websocket"], wait_timeout=30, **self.connect_args())
            self._fire("socket connect", t0, None)
        except Exception as err:  # noqa: BLE001
            with LEDGER.lock:
                LEDGER.connect_failures[self.kind] += 1
            self._fire("socket connect", t0, err)
            return
        self._join()

    def _join(self):
        t0 = time.time()
        try:
            ack = self.sio.call("join", {"room": self.room}, timeout=20)
            error = None if isinstance(ack, dict) and ack.get("ok") else RuntimeError(str(ack)[:200])
        except Exception as err:  # noqa: BLE001
            error = err
        self._fire("socket join", t0, error)
        if error is None:
            with LEDGER.lock:
                LEDGER.in_room[(self.kind, self.room)] = LEDGER.in_room.get((self.kind, self.room), 0) + 1
            self.joined = True

    def _on_connect(self):
        with LEDGER.lock:
            LEDGER.connected[self.kind] += 1
            LEDGER.peak[self.kind] = max(LEDGER.peak[self.kind], LEDGER.connected[self.kind])
        if getattr(self, "joined", False):  # a reconnect: rooms are per connection
            threading.Thread(target=self._rejoin, daemon=True).start()

    def _rejoin(self):
        with LEDGER.lock:
            LEDGER.in_room[(self.kind, self.room)] -= 1
        self._join()

    def _on_disconnect(self, *args):
        with LEDGER.lock:
            LEDGER.connected[self.kind] -= 1

    def _on_message(self, msg):
        client_id = msg.get("client_id") if isinstance(msg, dict) else None
        if client_id:
            ms = LEDGER.seen(self.kind, client_id, id(self), self.seen_by)
            if ms is not None:
                events.request.fire(request_type="WS", name=f"chat delivery ({self.kind})", response_time=ms,
                                    response_length=0, exception=None, context={})

    def _fire(self, name, t0, error):
        events.request.fire(request_type="WS", name=f"{name} ({self.kind})",
                            response_time=(time.time() - t0) * 1000, response_length=0,
                            exception=error, context={})

    @task
    def say(self):
        if not getattr(self, "joined", False) or not self.sio.connected:
            return
        client_id = uuid.uuid4().hex
        with LEDGER.lock:
            expected = LEDGER.in_room.get((self.kind, self.room), 1)
            LEDGER.sent[client_id] = {"t": time.time(), "room": self.room, "expected": expected,
                                      "kind": self.kind}
        t0 = time.time()
        try:
            ack = self.sio.call("message", {"room": self.room, "body": f"Tin nhắn thử {client_id[:6]}",
                                            "client_id": client_id}, timeout=20)
            error = None if isinstance(ack, dict) and ack.get("id") else RuntimeError(str(ack)[:200])
        except Exception as err:  # noqa: BLE001
            error = err
        with LEDGER.lock:
            if error is None:
                LEDGER.acked[self.kind] += 1
            else:
                LEDGER.ack_errors[self.kind] += 1
        self._fire("chat send (ack)", t0, error)

    def on_stop(self):
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001
            pass


class ChatMember(_ChatClient):
    weight = WEIGHTS["ChatMember"]
    kind = "app"

    def base_url(self):
        return self.host

    def connect_args(self):
        import requests
        r = requests.post(f"{self.host}/api/v1/auth/token", json={"email": self.member["email"],
                                                                  "password": PASSWORD}, timeout=30)
        return {"auth": {"token": r.json()["token"]}}


class NodeChatMember(_ChatClient):
    weight = WEIGHTS["NodeChatMember"]
    kind = "node"

    def base_url(self):
        return NODE_HOST

    def connect_args(self):
        return {}


# Ceilings only when their server runs; a class left in the module is a user type.
if not NODE_HOST:
    del NodeChatMember
if not BARE_HOST:
    del BareUser


@events.test_stop.add_listener
def _summary(environment, **_kw):
    path = os.environ.get("LOAD_SUMMARY")
    body = LEDGER.summary()
    print("CHAT SUMMARY", json.dumps(body))
    if path:
        with open(path, "w") as handle:
            json.dump(body, handle)
