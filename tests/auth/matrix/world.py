"""The one world every row of the matrix runs against: the demo (two
complete groups on real places, with cases, chat, sessions, certificates)
plus the objects it lacks (a case in group B, a draft, attachments, a direct
room, a material), built once per test module."""
import io
from types import SimpleNamespace

from PIL import Image
from sqlalchemy import select

from mentoring.extensions import db

EMAILS = {"commune": "commune@demo.test", "district": "district@demo.test",
          "provincial": "provincial@demo.test", "doctor": "doctor@demo.test",
          "coordinator": "coordinator@demo.test", "admin": "admin@demo.test", "other": "commune2@demo.test"}


def png(name: str = "anh.png") -> tuple[io.BytesIO, str]:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 140, 60)).save(out, "PNG")
    out.seek(0)
    out.filename = name
    return out, name


def png_bytes() -> bytes:
    return png()[0].getvalue()


def build(app) -> SimpleNamespace:
    from mentoring.auth.models import User
    from mentoring.auth.services import issue_token
    from mentoring.cases import attachments, services as cases
    from mentoring.cases.models import Case
    from mentoring.chat import rooms as chat_rooms
    from mentoring.chat import services as chat_services
    from mentoring.competency.models import Certificate, OutsideCourse, Programme
    from mentoring.demo import GROUP_A, GROUP_B, seed
    from mentoring.org.models import MentoringGroup
    from mentoring.sessions import agenda, ical
    from mentoring.sessions.models import AgendaItem, TeachingSession, Workshop
    from tests.cases.helpers import SMALLEST

    seed()
    db.session.commit()
    user = {role: db.session.execute(select(User).where(User.email == email)).unique().scalar_one()
            for role, email in EMAILS.items()}
    group_a = db.session.execute(select(MentoringGroup).where(MentoringGroup.name == GROUP_A)).scalar_one()
    group_b = db.session.execute(select(MentoringGroup).where(MentoringGroup.name == GROUP_B)).scalar_one()

    case_a = cases.create_case(user["commune"], group_a, dict(SMALLEST))
    reply_a = cases.add_reply(case_a, user["doctor"], "Tiếp tục amlodipine, theo dõi huyết áp tại nhà.")
    attachment_a = attachments.add_attachment(case_a, user["commune"], png()[0])
    draft_a = cases.create_case(user["commune"], group_a, dict(SMALLEST, complaint="Ho khan 2 tuần"), draft=True)
    case_b = cases.create_case(user["other"], group_b, dict(SMALLEST, complaint="Khát nhiều, tiểu nhiều"))
    closed_a = db.session.execute(select(Case).where(Case.group_id == group_a.id, Case.status == "closed")
                                  .order_by(Case.id).limit(1)).scalar_one()

    room_a = chat_rooms.room_for_group(group_a)
    room_b = chat_rooms.room_for_group(group_b)
    case_room_a = chat_rooms.room_for_case(case_a)
    direct_a = chat_rooms.room_for_direct(user["doctor"], user["commune"])
    message_a, _ = chat_services.post_message(user["doctor"], room_a, "Chào cả nhóm, chiều nay giao ban lúc 14 giờ.")
    image_message, _ = chat_services.post_message(user["doctor"], room_a, "Ảnh phác đồ", image=png()[0])
    message_b, _ = chat_services.post_message(user["other"], room_b, "Xin chào nhóm B.")
    urgent_a, _ = chat_services.post_message(user["doctor"], room_a, "Mọi người xác nhận đã đọc phác đồ mới.", urgent=True)

    def session_of(group, status="scheduled"):
        return db.session.execute(select(TeachingSession).where(
            TeachingSession.status == status, TeachingSession.workshop_id.is_(None),
            TeachingSession.id.in_(_session_ids_of(group.id))).order_by(TeachingSession.starts_at).limit(1)
        ).scalar_one()

    session_a, session_b = session_of(group_a), session_of(group_b)
    held_a = session_of(group_a, "held")
    material_a = agenda.upload_material(session_a, user["doctor"], png("phac-do.png")[0], title="Phác đồ")
    item_a = db.session.execute(select(AgendaItem).where(AgendaItem.session_id == session_a.id)
                                .order_by(AgendaItem.id).limit(1)).scalar_one()
    workshop = db.session.execute(select(Workshop).order_by(Workshop.id).limit(1)).scalar_one()
    feed_token = ical.issue_feed_token(user["commune"])

    cert_a = db.session.execute(select(Certificate).where(Certificate.user_id == user["commune"].id,
                                                          Certificate.revoked_at.is_(None))
                                .order_by(Certificate.id).limit(1)).scalar_one()
    course_a = db.session.execute(select(OutsideCourse).order_by(OutsideCourse.id).limit(1)).scalar_one()
    programme = db.session.execute(select(Programme).order_by(Programme.id).limit(1)).scalar_one()
    from mentoring.competency.models import Framework
    framework = db.session.execute(select(Framework).order_by(Framework.id).limit(1)).scalar_one()
    from mentoring.competency.models import EhrRollout
    rollout = db.session.execute(select(EhrRollout).order_by(EhrRollout.id).limit(1)).scalar_one()
    tokens = {role: issue_token(u)[0] for role, u in user.items()}
    db.session.commit()
    ids = dict(
        group_a=group_a.id, group_b=group_b.id, case_a=case_a.id, reply_a=reply_a.id,
        attachment_a=attachment_a.id, draft_a=draft_a.id, case_b=case_b.id, closed_a=closed_a.id,
        room_a=room_a.id, room_b=room_b.id, case_room_a=case_room_a.id, direct_a=direct_a.id,
        message_a=message_a.id, message_b=message_b.id, urgent_a=urgent_a.id,
        chat_attachment_a=_chat_attachment_id(image_message.id),
        session_a=session_a.id, session_b=session_b.id, held_a=held_a.id, material_a=material_a.id,
        item_a=item_a.id, workshop=workshop.id, feed_token=feed_token, cert_a=cert_a.code,
        course_a=course_a.id, course_owner=course_a.user_id, programme=programme.code,
        framework=framework.code, missing=987654, facility_a=user["commune"].facility_id,
        facility_b=user["other"].facility_id, rollout_facility=rollout.facility_id,
        **{f"user_{role}": u.id for role, u in user.items()})
    return SimpleNamespace(ids=ids, user_ids={r: u.id for r, u in user.items()}, tokens=tokens)


def _session_ids_of(group_id):
    from mentoring.sessions.models import SessionAudience
    return select(SessionAudience.session_id).where(SessionAudience.group_id == group_id)


def _chat_attachment_id(message_id):
    from mentoring.chat.models import ChatAttachment
    return db.session.execute(select(ChatAttachment.id).where(ChatAttachment.message_id == message_id)).scalar_one()
