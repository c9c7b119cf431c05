"""Chat: rooms (group A's, its case room, a direct room between group A's
doctor and commune worker, group B's), messages, images, receipts."""
from tests.auth.matrix import GROUP_A, NOBODY, STAFF, USERS, WORKERS_A, Row, SocketRow, rows
from tests.auth.matrix.world import png_bytes

IN_ROOM_A = GROUP_A | STAFF
DIRECT = frozenset({"doctor", "commune"})

ROWS = rows([
    ("GET", "/chat", "/chat", USERS),
    ("GET", "/chat/<int:room_id>", "/chat/{room_a}", IN_ROOM_A),
    ("GET", "/chat/<int:room_id>", "/chat/{room_b}", STAFF | {"other"}),
    ("GET", "/chat/<int:room_id>", "/chat/{case_room_a}", IN_ROOM_A),
    ("GET", "/chat/<int:room_id>", "/chat/{direct_a}", DIRECT),
    ("GET", "/chat/<int:room_id>", "/chat/{missing}", NOBODY),
    ("POST", "/chat/<int:room_id>", "/chat/{room_a}", IN_ROOM_A, {"body": "Cảm ơn bác sĩ."}),
    ("POST", "/chat/<int:room_id>", "/chat/{direct_a}", DIRECT, {"body": "Cảm ơn bác sĩ."}),
    ("GET", "/chat/attachments/<int:attachment_id>", "/chat/attachments/{chat_attachment_a}", IN_ROOM_A),
    ("GET", "/chat/attachments/<int:attachment_id>", "/chat/attachments/{missing}", NOBODY),
    ("GET", "/chat/attachments/<int:attachment_id>/<any(thumb):thumb>",
     "/chat/attachments/{chat_attachment_a}/thumb", IN_ROOM_A),
    ("GET", "/chat/group/<int:group_id>", "/chat/group/{group_a}", IN_ROOM_A),
    ("GET", "/chat/group/<int:group_id>", "/chat/group/{missing}", NOBODY),
    ("GET", "/chat/case/<int:case_id>", "/chat/case/{case_a}", IN_ROOM_A),
    ("GET", "/chat/case/<int:case_id>", "/chat/case/{draft_a}", frozenset({"commune"})),
    ("POST", "/chat/direct/<int:user_id>", "/chat/direct/{user_commune}", GROUP_A - {"commune"}),
    ("POST", "/chat/direct/<int:user_id>", "/chat/direct/{missing}", NOBODY),
    ("GET", "/api/v1/rooms", "/api/v1/rooms", USERS),
    ("GET", "/api/v1/rooms/<int:room_id>/messages", "/api/v1/rooms/{room_a}/messages", IN_ROOM_A),
    ("GET", "/api/v1/rooms/<int:room_id>/messages", "/api/v1/rooms/{direct_a}/messages", DIRECT),
    ("GET", "/api/v1/rooms/<int:room_id>/messages", "/api/v1/rooms/{missing}/messages", NOBODY),
    ("POST", "/api/v1/rooms/<int:room_id>/messages", "/api/v1/rooms/{room_a}/messages", IN_ROOM_A,
     {"body": "Đã nhận."}),
    ("POST", "/api/v1/rooms/<int:room_id>/messages", "/api/v1/rooms/{room_b}/messages", STAFF | {"other"},
     {"body": "Đã nhận."}),
    ("GET", "/api/v1/messages/<int:message_id>/acknowledgements",
     "/api/v1/messages/{urgent_a}/acknowledgements", IN_ROOM_A),
    ("GET", "/api/v1/messages/<int:message_id>/acknowledgements",
     "/api/v1/messages/{missing}/acknowledgements", NOBODY),
    # Those asked to acknowledge: the room's members other than the author (staff oversee, are not asked).
    ("POST", "/api/v1/messages/<int:message_id>/acknowledge", "/api/v1/messages/{urgent_a}/acknowledge",
     WORKERS_A),
    ("POST", "/api/v1/messages/<int:message_id>/acknowledge", "/api/v1/messages/{missing}/acknowledge", NOBODY),
]) + [
    Row("POST", "/api/v1/rooms/direct", "/api/v1/rooms/direct", GROUP_A - {"commune"},
        body={"user_id": "{user_commune}"}, note="someone who shares your group"),
    Row("POST", "/api/v1/rooms/direct", "/api/v1/rooms/direct", NOBODY, body={"user_id": "{missing}"},
        note="nobody has that id"),
    Row("POST", "/api/v1/rooms/<int:room_id>/attachments", "/api/v1/rooms/{room_a}/attachments", IN_ROOM_A,
        files={"file": (png_bytes(), "anh.png")}),
    Row("POST", "/api/v1/rooms/<int:room_id>/attachments", "/api/v1/rooms/{missing}/attachments", NOBODY,
        files={"file": (png_bytes(), "anh.png")}),
]

SOCKET_ROWS = [
    SocketRow("connect", {}, USERS),
    SocketRow("join", {"room": "{room_a}"}, IN_ROOM_A, "group A's room"),
    SocketRow("join", {"room": "{direct_a}"}, DIRECT, "a direct room"),
    SocketRow("join", {"room": "{missing}"}, NOBODY, "a guessed room"),
    SocketRow("leave", {"room": "{room_a}"}, USERS),
    SocketRow("message", {"room": "{room_a}", "body": "Đã nhận.", "client_id": "matrix-1"}, IN_ROOM_A),
    SocketRow("message", {"room": "{case_room_a}", "body": "Đã nhận.", "client_id": "matrix-2"}, IN_ROOM_A,
              "the case's room"),
    SocketRow("typing", {"room": "{room_a}"}, IN_ROOM_A),
    SocketRow("typing", {"room": "{room_b}"}, STAFF | {"other"}, "group B's room"),
    SocketRow("read", {"room": "{room_a}", "message_id": "{message_a}"}, IN_ROOM_A),
    SocketRow("edit", {"id": "{message_a}", "body": "Sửa: 15 giờ."}, frozenset({"doctor"}), "the author only"),
    SocketRow("delete", {"id": "{message_a}"}, frozenset({"doctor"}), "the author only"),
    SocketRow("acknowledge", {"message_id": "{urgent_a}"}, WORKERS_A, "those asked"),
    SocketRow("acknowledgements", {"message_id": "{urgent_a}"}, IN_ROOM_A),
    SocketRow("acknowledgements", {"message_id": "{missing}"}, NOBODY, "a guessed message"),
]
