"""Access that ends ends on open sockets (one process, Flask-SocketIO's test
client): every event re-checks the login, and a change that ends access
re-checks the person's open sockets once it is committed. The same across
processes through Redis, with real clients: tests/chat/test_live_access.py."""
from datetime import timedelta

from mentoring import clock, realtime
from mentoring.auth import services as auth_services
from mentoring.chat import rooms
from mentoring.extensions import db, socketio
from mentoring.org import services as org_services
from tests.chat.conftest import events
from tests.factories import gen_group, login


def _room(group):
    room = rooms.room_for_group(group)
    db.session.commit()
    return room


def _joined(sc, room):
    assert sc.emit("join", {"room": room.id}, callback=True)["ok"]
    sc.get_received()
    return sc


def _membership(group, user):
    return next(m for m in group.memberships if m.user_id == user.id and m.left_on is None)


def test_a_removed_member_stops_receiving_the_room_and_cannot_type(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    leaver, stayer = people["commune"][0], people["district"][0]
    gone, other = _joined(connect(leaver), room), _joined(connect(stayer), room)
    org_services.remove_member(_membership(group, leaver))
    db.session.commit()
    other.emit("message", {"room": room.id, "body": "Sau khi chị rời nhóm", "client_id": "s-1"}, callback=True)
    other.emit("typing", {"room": room.id}, callback=True)
    assert events(gone, "message") == [] and events(gone, "typing") == []
    assert gone.emit("typing", {"room": room.id}, callback=True)["error"]["code"] == "not_found"
    assert gone.is_connected()  # still logged in: only the room is gone


def test_a_deactivated_user_is_disconnected_and_refused(connect):
    group, people = gen_group(complete=False)
    room = _room(group)
    user = people["commune"][0]
    sc = _joined(connect(user), room)
    auth_services.deactivate_user(user)
    db.session.commit()
    assert not sc.is_connected()


def test_a_revoked_token_ends_its_socket(app):
    group, people = gen_group(complete=False)
    room = _room(group)
    user = people["commune"][0]
    raw, _token = auth_services.issue_token(user)
    db.session.commit()
    sc = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    _joined(sc, room)
    auth_services.revoke_token(raw)
    db.session.commit()
    assert not sc.is_connected()


def test_an_expired_token_is_refused_on_the_next_event_and_by_the_sweep(app):
    clock.freeze(clock.now())
    group, people = gen_group(complete=False)
    room = _room(group)
    user = people["commune"][0]
    raw, _token = auth_services.issue_token(user)
    db.session.commit()
    typist = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    idle = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    _joined(typist, room), _joined(idle, room)
    clock.advance(timedelta(hours=app.config["MENTORING_TOKEN_LIFETIME_HOURS"], minutes=1))
    assert typist.emit("typing", {"room": room.id}, callback=True)["error"]["code"] == "unauthorized"
    assert idle.is_connected()
    realtime.recheck_sockets()  # what the sweep does every few minutes
    assert not idle.is_connected() and not typist.is_connected()


def test_logout_elsewhere_ends_a_cookie_socket(app, client):
    group, people = gen_group(complete=False)
    room = _room(group)
    user = people["commune"][0]
    login(client, user)
    sc = _joined(socketio.test_client(app, flask_test_client=client), room)
    other_browser = app.test_client()
    login(other_browser, user)
    other_browser.post("/logout")
    assert not sc.is_connected()


def test_a_password_change_keeps_nothing_open_on_other_devices(app, client):
    group, people = gen_group(complete=False)
    room = _room(group)
    user = people["commune"][0]
    login(client, user)
    sc = _joined(socketio.test_client(app, flask_test_client=client), room)
    auth_services.set_password(user, "Mây trắng bay qua đỉnh núi Ba Vì")
    db.session.commit()
    assert not sc.is_connected()
