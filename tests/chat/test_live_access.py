"""Access that ends, ends on open sockets, across processes: real
python-socketio clients on process B (gunicorn) while an admin removes a
member, deactivates an account and a device logs out its token on process A
(the development server); the two meet only through Redis."""
import re
import sys
import time
import uuid

import pytest
import requests

from tests.chat.test_live import WAIT, Client
from tests.live import DEMO_PASSWORD, LiveServer, seeded_sqlite, bearer, free_port, group_room, server_env, token

pytestmark = [pytest.mark.once, pytest.mark.no_transaction, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    return seeded_sqlite(tmp_path_factory, "chat-live-access")


def _admin(server_url: str) -> tuple[requests.Session, str]:
    """A logged-in admin browser and its CSRF token (the forms as a browser posts them)."""
    browser = requests.Session()
    page = browser.get(server_url + "/login", timeout=WAIT).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = browser.post(server_url + "/login", data={"email": "admin@demo.test", "password": DEMO_PASSWORD,
                                                  "csrf_token": csrf}, allow_redirects=False, timeout=WAIT)
    assert r.status_code == 302, r.text[:300]
    return browser, csrf


def _me(server_url: str, tok: str) -> dict:
    return requests.get(server_url + "/api/v1/me", headers=bearer(tok), timeout=WAIT).json()


def _wait_disconnected(client: Client) -> None:
    deadline = time.monotonic() + WAIT
    while client.sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client.sio.connected, "the socket stayed open"


def test_removed_deactivated_and_logged_out_sockets_receive_nothing_more(seeded, tmp_path, redis_url):
    base, url = seeded
    channel = f"mentoring-test-{uuid.uuid4().hex[:8]}"
    env = server_env(url, base / "instance", REDIS_URL=redis_url, MENTORING_MULTIPROCESS="1",
                     MENTORING_SOCKETIO_CHANNEL=channel)
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "20",
                "-b", f"127.0.0.1:{port}", "wsgi:app"]
    clients = []
    with LiveServer(env, tmp_path / "a.log") as a, \
            LiveServer(env, tmp_path / "b.log", command=gunicorn, port=port) as b:
        try:
            tokens = {email: token(a.url, email) for email in (
                "doctor@demo.test", "commune@demo.test", "commune-a2@demo.test", "district-a2@demo.test",
                "provincial-a2@demo.test")}
            room = group_room(a.url, tokens["doctor@demo.test"])
            doctor = Client(a.url, tokens["doctor@demo.test"]).connect()
            stayer = Client(b.url, tokens["commune@demo.test"]).connect()
            leaver = Client(b.url, tokens["commune-a2@demo.test"]).connect()
            deactivated = Client(b.url, tokens["district-a2@demo.test"]).connect()
            logged_out = Client(b.url, tokens["provincial-a2@demo.test"]).connect()
            clients += [doctor, stayer, leaver, deactivated, logged_out]
            for c in clients:
                assert c.call("join", {"room": room})["ok"]
            before = doctor.call("message", {"room": room, "body": "Trước", "client_id": "before-1"})
            for c in clients[1:]:
                c.wait_for("message", lambda m: m["id"] == before["id"])

            admin, csrf = _admin(a.url)
            group_id = requests.get(a.url + "/api/v1/groups", headers=bearer(tokens["doctor@demo.test"]),
                                    timeout=WAIT).json()["items"][0]["id"]
            members = requests.get(f"{a.url}/api/v1/groups/{group_id}", headers=bearer(tokens["doctor@demo.test"]),
                                   timeout=WAIT).json()["members"]
            leaver_id = _me(a.url, tokens["commune-a2@demo.test"])["id"]
            membership = next(m["membership_id"] for m in members if m["id"] == leaver_id)
            r = admin.post(f"{a.url}/groups/{group_id}", data={"action": "remove", "membership_id": membership,
                                                               "csrf_token": csrf}, allow_redirects=False, timeout=WAIT)
            assert r.status_code == 302, r.text[:300]
            deactivated_id = _me(a.url, tokens["district-a2@demo.test"])["id"]
            r = admin.post(f"{a.url}/admin/users/{deactivated_id}", data={"action": "deactivate", "csrf_token": csrf},
                           allow_redirects=False, timeout=WAIT)
            assert r.status_code == 302, r.text[:300]
            r = requests.delete(a.url + "/api/v1/auth/token", headers=bearer(tokens["provincial-a2@demo.test"]),
                                timeout=WAIT)
            assert r.status_code == 204

            # The re-checks travel in order on one channel: once the last one
            # has closed its socket on B, the removal was applied there too.
            _wait_disconnected(deactivated)
            _wait_disconnected(logged_out)

            after = doctor.call("message", {"room": room, "body": "Sau", "client_id": "after-1"})
            doctor.call("typing", {"room": room})
            stayer.wait_for("message", lambda m: m["id"] == after["id"])
            stayer.wait_for("typing", lambda t: t["room"] == room)
            time.sleep(0.3)  # anything still on its way to the others would arrive now
            for gone in (leaver, deactivated, logged_out):
                assert [m["id"] for m in gone.received.get("message", [])] == [before["id"]]
                assert gone.received.get("typing", []) == []
            assert leaver.sio.connected  # still logged in: only the group's room is gone
            assert leaver.call("typing", {"room": room})["error"]["code"] == "not_found"
            assert "Traceback" not in (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
        finally:
            for c in clients:
                c.close()


def test_the_sweep_closes_an_idle_socket_whose_token_expired(seeded, tmp_path):
    """Nobody announces that a token ran out: each process's sweep finds it."""
    base, url = seeded
    lifetime_hours = 0.005  # 18 s: time to connect and join on a busy machine
    env = server_env(url, base / "instance", MENTORING_TOKEN_LIFETIME_HOURS=lifetime_hours,
                     MENTORING_SOCKET_RECHECK_SECONDS=1)
    with LiveServer(env, tmp_path / "server.log") as server:
        tok = token(server.url, "commune@demo.test")
        idle = Client(server.url, tok).connect()
        try:
            assert idle.call("join", {"room": group_room(server.url, tok)})["ok"]
            deadline = time.monotonic() + lifetime_hours * 3600 + WAIT
            while idle.sio.connected and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not idle.sio.connected, "the sweep left a socket open after its token expired"
        finally:
            idle.close()
