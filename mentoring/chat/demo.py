"""Demo chat: a short conversation in each group room (idempotent: the
messages carry fixed client ids, so a re-run finds them)."""
from sqlalchemy import select

from mentoring.auth.models import User
from mentoring.chat import rooms
from mentoring.chat.models import ChatMessage
from mentoring.extensions import db

CONVERSATIONS = {
    "A": [
        ("doctor@demo.test", "Chào cả nhóm! Tuần này chúng ta ôn lại phác đồ điều trị tăng huyết áp."),
        ("commune@demo.test", "Em chào bác sĩ. Trạm em có 3 bệnh nhân mới phát hiện huyết áp trên 160/100."),
        ("district@demo.test", "Nhớ đo lại huyết áp sau 5 phút nghỉ và ghi vào sổ quản lý nhé."),
        ("doctor@demo.test", "Đúng vậy. Tài liệu hướng dẫn: https://moh.gov.vn — @commune xem mục 3."),
    ],
    "B": [
        ("doctor2@demo.test", "Chào các anh chị, thứ Năm này có buổi hội chẩn về đái tháo đường."),
        ("commune2@demo.test", "Dạ, em sẽ chuẩn bị ca bệnh nhân nữ 58 tuổi, HbA1c 9,2%."),
    ],
}


def seed(groups: dict) -> list[str]:
    lines = []
    for key, conversation in CONVERSATIONS.items():
        room = rooms.room_for_group(groups[key])
        added = 0
        for n, (email, body) in enumerate(conversation, start=1):
            author = db.session.execute(select(User).where(User.email == email)).unique().scalar_one()
            client_id = f"demo-{key}-{n}"
            exists = db.session.execute(select(ChatMessage.id).where(
                ChatMessage.author_id == author.id, ChatMessage.client_id == client_id)).scalar()
            if exists is None:
                db.session.add(ChatMessage(room_id=room.id, author_id=author.id, client_id=client_id,
                                           body=body))
                added += 1
        db.session.flush()
        lines.append(f"chat room {room.id} for group {key}: {added} demo messages added")
    return lines
