"""The live room: a chat room of kind "session" for the session's audience,
taking questions from 15 minutes before to 1 hour after; the transcript stays."""
from datetime import timedelta

import pytest

from mentoring import clock
from mentoring.auth import policy
from mentoring.chat import reads as chat_reads
from mentoring.chat import rooms as chat_rooms
from mentoring.chat import services as chat_services
from mentoring.errors import Conflict
from mentoring.extensions import socketio
from tests.factories import gen_group, token_headers
from tests.sessions.helpers import freeze, gen_session


def test_room_members_title_and_access():
    freeze()
    group, people = gen_group(complete=False)
    _other, outsiders = gen_group(complete=False)
    session = gen_session(group, people["mentor"], tiers=["commune"])
    room = chat_rooms.room_for_session(session)
    assert chat_rooms.room_for_session(session).id == room.id  # one room per session
    assert chat_rooms.room_title(room) == session.title
    assert chat_rooms.member_ids(room) == {people["mentor"].id, people["commune"][0].id}
    assert policy.allowed(people["commune"][0], "chat.room.view", room)
    assert not policy.allowed(people["district"][0], "chat.room.view", room)  # not in the narrowed audience
    assert not policy.allowed(outsiders["commune"][0], "chat.room.view", room)


def test_posting_follows_the_window_reading_stays():
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    room = chat_rooms.room_for_session(session)
    worker = people["commune"][0]
    clock.freeze(session.starts_at - timedelta(minutes=16))
    with pytest.raises(Conflict) as err:
        chat_services.post_message(worker, room, "Sớm quá", "c-early")
    assert err.value.message.startswith("Phòng trao đổi của buổi sinh hoạt mở từ 15 phút trước")
    clock.freeze(session.starts_at - timedelta(minutes=15))
    chat_services.post_message(worker, room, "Em chào bác sĩ", "c-1")
    clock.freeze(session.ends_at + timedelta(hours=1))
    chat_services.post_message(worker, room, "Cảm ơn bác sĩ", "c-2")
    clock.freeze(session.ends_at + timedelta(hours=1, seconds=1))
    with pytest.raises(Conflict):
        chat_services.post_message(worker, room, "Muộn rồi", "c-3")
    again, created = chat_services.post_message(worker, room, "Cảm ơn bác sĩ", "c-2")  # a resend is still answered
    assert not created
    assert [m.body for m in chat_reads.history(room)[0]] == ["Em chào bác sĩ", "Cảm ơn bác sĩ"]


def test_socket_message_outside_the_window_gets_an_error_ack(app):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    room = chat_rooms.room_for_session(session)
    raw = token_headers(people["commune"][0])["Authorization"].split()[1]
    socket = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
    try:
        assert socket.emit("join", {"room": room.id}, callback=True)["ok"]
        ack = socket.emit("message", {"room": room.id, "body": "Hỏi sớm", "client_id": "s-1"}, callback=True)
        assert ack["error"]["code"] == "conflict"
        clock.freeze(session.starts_at + timedelta(minutes=5))
        ack = socket.emit("message", {"room": room.id, "body": "Hỏi đúng giờ", "client_id": "s-2"}, callback=True)
        assert ack["id"]
    finally:
        socket.disconnect()
