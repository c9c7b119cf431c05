"""Case and group rooms are about patients: the identifier check of cases
runs on every message posted or edited there (mentoring.cases.deident)."""
import pytest
from sqlalchemy import func, select

from mentoring.chat import rooms, services
from mentoring.chat.models import ChatMessage
from mentoring.errors import ValidationFailed
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.factories import gen_group, token_headers


def _stored(room):
    return db.session.execute(select(func.count()).select_from(ChatMessage).where(
        ChatMessage.room_id == room.id)).scalar()


@pytest.mark.parametrize("body,words", [
    ("SĐT 0912 345 678, CCCD 001089012345", ("số điện thoại “0912 345 678”", "số CCCD/CMND “001089012345”")),
    ("Bệnh nhân Nguyễn Văn Tám đau ngực", ("tên người “Nguyễn Văn Tám”",)),
    ("thẻ DN4797915123456, mail a＠gmail.com", ("số thẻ BHYT", "địa chỉ email")),
])
def test_identifiers_are_refused_in_group_and_case_rooms(body, words, app):
    group, people = gen_group()
    author = people["commune"][0]
    for room in (rooms.room_for_group(group), rooms.room_for_case(gen_case(group, author))):
        with app.test_request_context():
            with pytest.raises(ValidationFailed) as caught:
                services.post_message(author, room, body, f"c-{room.id}")
            message = caught.value.fields["body"][0]
        assert all(w in message for w in words), message
        assert _stored(room) == 0


def test_colleagues_by_name_clinical_text_and_direct_messages_pass(app):
    group, people = gen_group()
    a, b = people["commune"][0], people["district"][0]
    room = rooms.room_for_group(group)
    for n, body in enumerate(("Chị Lan ơi, ca này em hỏi thêm về liều amlodipine",
                              "HA 150/95, bạch cầu 123456789 /L, Bệnh viện Bạch Mai")):
        services.post_message(a, room, body, f"ok-{n}")
    direct = rooms.room_for_direct(a, b)
    services.post_message(a, direct, "Số của em 0912 345 678, anh gọi nhé", "direct-1")
    assert _stored(room) == 2 and _stored(direct) == 1


def test_an_edit_cannot_add_an_identifier(app):
    group, people = gen_group()
    author = people["commune"][0]
    room = rooms.room_for_group(group)
    message, _ = services.post_message(author, room, "Bệnh nhân nam 45 tuổi", "e-1")
    with app.test_request_context():
        with pytest.raises(ValidationFailed):
            services.edit_message(author, message.id, "Bệnh nhân Nguyễn Văn Tám 45 tuổi")
    db.session.refresh(message)
    assert message.body == "Bệnh nhân nam 45 tuổi"


def test_the_http_door_answers_422(client):
    group, people = gen_group()
    room = rooms.room_for_group(group)
    db.session.commit()
    r = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "SĐT 0912 345 678, CCCD 001089012345",
                                                               "client_id": "h-1"},
                    headers=token_headers(people["commune"][0]))
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["body"]


def test_the_socket_door_acks_the_error(connect):
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    db.session.commit()
    alice = connect(people["commune"][0])
    alice.emit("join", {"room": room.id}, callback=True)
    ack = alice.emit("message", {"room": room.id, "body": "Bệnh nhân Nguyễn Văn Tám, SĐT 0912 345 678",
                                 "client_id": "s-1"}, callback=True)
    assert "Nguyễn Văn Tám" in ack["error"]["message"] and "0912 345 678" in ack["error"]["message"]
    assert _stored(room) == 0
