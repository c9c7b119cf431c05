"""Socket handlers through Flask-SocketIO's test client (one process, no Redis)."""
from datetime import timedelta

from sqlalchemy import func, select

from mentoring import clock
from mentoring.auth import services as auth_services
from mentoring.chat import rooms
from mentoring.chat.models import ChatMessage
from mentoring.extensions import db, socketio
from tests.chat.conftest import events
from tests.factories import gen_group, gen_user, login


def _room(group):
    room = rooms.room_for_group(group)
    db.session.commit()
    return room


def test_unauthenticated_and_expired_token_are_refused(app):
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()
    bad = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": "nope"})
    assert not bad.is_connected()
    user = gen_user()
    raw, _token = auth_services.issue_token(user)
    db.session.commit()
    clock.advance(timedelta(days=365))
    expired = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    assert not expired.is_connected()


def test_login_cookie_connects(app, client):
    _group, people = gen_group(complete=False)
    login(client, people["commune"][0])
    sc = socketio.test_client(app, flask_test_client=client)
    assert sc.is_connected()
    sc.disconnect()


def test_message_is_stored_then_broadcast_to_the_room(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    alice, bob = connect(people["commune"][0]), connect(people["district"][0])
    assert alice.emit("join", {"room": room.id}, callback=True) == {
        "ok": True, "room": room.id, "last_id": 0, "online": sorted(
            [people["commune"][0].id, people["district"][0].id])}
    bob.emit("join", {"room": room.id}, callback=True)
    bob.get_received()
    ack = alice.emit("message", {"room": room.id, "body": "Chào <b>cả nhóm</b>", "client_id": "a-1"},
                     callback=True)
    assert ack == {"id": ack["id"], "duplicate": False}
    got = events(bob, "message")
    assert len(got) == 1
    m = got[0]
    assert {k: m[k] for k in ("id", "room", "author", "body", "client_id")} == {
        "id": ack["id"], "room": room.id, "author": people["commune"][0].id,
        "body": "Chào <b>cả nhóm</b>", "client_id": "a-1"}
    assert "&lt;b&gt;" in m["html"] and m["created_at"]
    # a resend after a lost ack: same id, stored once, not broadcast again
    again = alice.emit("message", {"room": room.id, "body": "Chào <b>cả nhóm</b>", "client_id": "a-1"},
                       callback=True)
    assert again["id"] == ack["id"] and again["duplicate"]
    assert events(bob, "message") == []
    assert db.session.execute(select(func.count()).select_from(ChatMessage)).scalar() == 1
    assert alice.emit("join", {"room": room.id}, callback=True)["last_id"] == ack["id"]


def test_outsider_and_unknown_rooms_get_error_acks(connect):
    group, _people = gen_group(complete=False)
    room = _room(group)
    outsider = connect(gen_user())
    for payload in ({"room": room.id}, {"room": 999999}, {"room": "x"}, {}, {"room": None}):
        ack = outsider.emit("join", payload, callback=True)
        assert ack["error"]["code"] in ("not_found", "validation_failed"), payload
    ack = outsider.emit("message", {"room": room.id, "body": "hi", "client_id": "o-1"}, callback=True)
    assert ack["error"]["code"] == "not_found"
    assert outsider.is_connected()


def test_malformed_payloads_never_crash(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    sc = connect(people["commune"][0])
    for event in ("join", "message", "typing", "read", "edit", "delete", "acknowledge", "acknowledgements"):
        for payload in (None, "text", 42, [1, 2], {"room": [1]}, {"room": room.id, "body": {"x": 1}},
                        {"room": room.id, "message_id": "abc", "id": True}):
            ack = sc.emit(event, payload, callback=True)
            assert "error" in ack or ack.get("ok"), (event, payload, ack)
            assert "error" not in ack or ack["error"]["code"] != "server_error", (event, payload, ack)
    for event, payload in (("join", {"room": 2 ** 40}), ("read", {"room": room.id, "message_id": 2 ** 40}),
                           ("acknowledge", {"message_id": 10 ** 30}), ("delete", {"id": 2 ** 31})):
        ack = sc.emit(event, payload, callback=True)  # beyond any id: refused, not an overflow
        assert ack["error"]["code"] == "validation_failed", (event, ack)
    ack = sc.emit("message", {"room": room.id, "body": "a\x00b", "client_id": "nul-1"}, callback=True)
    assert ack["error"]["fields"] == {"body": ["Giá trị không hợp lệ."]}  # PostgreSQL cannot store NUL
    assert sc.is_connected()
    assert db.session.execute(select(func.count()).select_from(ChatMessage)).scalar() == 0


def test_empty_oversize_and_bad_client_id_are_refused(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    sc = connect(people["commune"][0])
    for body in ("", "   ", "x" * 4001):
        ack = sc.emit("message", {"room": room.id, "body": body, "client_id": "e-1"}, callback=True)
        assert ack["error"]["code"] == "validation_failed" and "body" in ack["error"]["fields"]
    ack = sc.emit("message", {"room": room.id, "body": "ok", "client_id": "bad id <>"}, callback=True)
    assert ack["error"]["code"] == "validation_failed"
    assert db.session.execute(select(func.count()).select_from(ChatMessage)).scalar() == 0


def test_flooding_gets_an_error_ack(app, connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    sc = connect(people["commune"][0])
    app.config["MENTORING_CHAT_RATE_LIMIT"] = "5 per 10 seconds"
    try:
        acks = [sc.emit("message", {"room": room.id, "body": f"spam {n}", "client_id": f"f-{n}"},
                        callback=True) for n in range(8)]
    finally:
        app.config.pop("MENTORING_CHAT_RATE_LIMIT")
    assert [("id" in a) for a in acks] == [True] * 5 + [False] * 3
    assert acks[-1]["error"]["code"] == "rate_limited" and acks[-1]["error"]["message"]
    assert db.session.execute(select(func.count()).select_from(ChatMessage)).scalar() == 5
    # A resend of a stored message is not counted: its ack (lost, say) comes again.
    app.config["MENTORING_CHAT_RATE_LIMIT"] = "5 per 10 seconds"
    try:
        again = sc.emit("message", {"room": room.id, "body": "spam 0", "client_id": "f-0"}, callback=True)
    finally:
        app.config.pop("MENTORING_CHAT_RATE_LIMIT")
    assert again == {"id": acks[0]["id"], "duplicate": True}


def test_typing_read_and_presence(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    a_user, b_user = people["commune"][0], people["district"][0]
    alice = connect(a_user)
    alice.emit("join", {"room": room.id}, callback=True)
    alice.get_received()
    bob = connect(b_user)  # alice sees bob come online
    assert {"room": room.id, "user": b_user.id, "user_name": b_user.full_name, "online": True} \
        in events(alice, "presence")
    bob.emit("join", {"room": room.id}, callback=True)
    bob.get_received()
    assert alice.emit("typing", {"room": room.id}, callback=True) == {"ok": True}
    assert events(bob, "typing") == [{"room": room.id, "user": a_user.id, "user_name": a_user.full_name}]
    assert events(alice, "typing") == []  # not echoed to the typist
    mid = alice.emit("message", {"room": room.id, "body": "đọc chưa?", "client_id": "t-1"}, callback=True)["id"]
    bob.get_received()
    alice.get_received()
    assert bob.emit("read", {"room": room.id, "message_id": mid}, callback=True) == {"ok": True}
    assert events(alice, "read") == [{"room": room.id, "user": b_user.id, "user_name": b_user.full_name,
                                      "message_id": mid}]
    bob.disconnect()
    assert {"room": room.id, "user": b_user.id, "user_name": b_user.full_name, "online": False} \
        in events(alice, "presence")


def test_edit_delete_and_acknowledge_over_socket(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    mentor, worker = connect(people["mentor"]), connect(people["commune"][0])
    for sc in (mentor, worker):
        sc.emit("join", {"room": room.id}, callback=True)
    mid = mentor.emit("message", {"room": room.id, "body": "Khẩn: báo cáo", "client_id": "u-1",
                                  "urgent": True}, callback=True)["id"]
    worker.get_received()
    assert worker.emit("edit", {"id": mid, "body": "hack"}, callback=True)["error"]["code"] == "forbidden"
    assert mentor.emit("edit", {"id": mid, "body": "Khẩn: báo cáo ngay"}, callback=True)["ok"]
    assert events(worker, "message_edited")[0]["body"] == "Khẩn: báo cáo ngay"
    assert worker.emit("acknowledge", {"message_id": mid}, callback=True) == {"ok": True}
    ack_events = events(mentor, "acknowledged")
    assert ack_events and ack_events[0]["user"] == people["commune"][0].id
    status = mentor.emit("acknowledgements", {"message_id": mid}, callback=True)
    assert [p["id"] for p in status["acknowledged"]] == [people["commune"][0].id]
    assert len(status["pending"]) == 2
    assert mentor.emit("delete", {"id": mid}, callback=True)["ok"]
    assert events(worker, "message_deleted") == [{"id": mid, "room": room.id}]


def test_leaving_the_group_ends_the_room_for_that_socket(connect):
    from mentoring.org import services as org
    group, people = gen_group(complete=False)
    room = _room(group)
    leaver_user = people["commune"][0]
    leaver, mentor = connect(leaver_user), connect(people["mentor"])
    leaver.emit("join", {"room": room.id}, callback=True)
    mentor.emit("join", {"room": room.id}, callback=True)
    membership = next(m for m in group.memberships if m.user_id == leaver_user.id)
    org.remove_member(membership)
    db.session.commit()
    assert leaver.emit("typing", {"room": room.id}, callback=True)["error"]["code"] == "not_found"
    leaver.get_received()
    mentor.emit("message", {"room": room.id, "body": "sau khi rời nhóm", "client_id": "gone-1"}, callback=True)
    assert events(leaver, "message") == []


def test_a_message_costs_five_statements(connect, count_queries):
    """The busiest event there is (issue 12): the socket's login, the room,
    the membership, the insert (a resend is its ON CONFLICT), the author's
    read mark. Stop 17 ran seven (and two SAVEPOINTs, not counted here). A
    resend (rare) loads the stored message and its picture instead of the
    read mark."""
    group, people = gen_group(complete=False)
    room = _room(group)
    sc = connect(people["commune"][0])
    assert "id" in sc.emit("message", {"room": room.id, "body": "đầu tiên", "client_id": "q-0"}, callback=True)
    with count_queries() as counted:
        ack = sc.emit("message", {"room": room.id, "body": "Xin chào", "client_id": "q-1"}, callback=True)
    assert "id" in ack and counted.n <= 5, counted.statements
    with count_queries() as resend:
        again = sc.emit("message", {"room": room.id, "body": "Xin chào", "client_id": "q-1"}, callback=True)
    assert again == {"id": ack["id"], "duplicate": True} and resend.n <= 6, resend.statements
