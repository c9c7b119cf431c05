"""Demo sessions, so every demo account sees a realistic calendar: for each
group a past session (held, with its register and ratings) and upcoming
ones; for group A a weekly series hosted by doctor@demo.test whose first
session presents a demo case; and the electronic health record roll-out
workshop for both groups. Idempotent: a session is found again by its title
and host, so a second seed-demo adds nothing."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.cases.models import Case
from mentoring.extensions import db
from mentoring.sessions import agenda, attendance, feedback, rsvp, services, validation
from mentoring.sessions.models import AttendanceSegment, SessionAudience, TeachingSession, Workshop

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SERIES_TITLE = "Giao ban chuyên môn 1-4-4-2 hằng tuần"
WORKSHOP_TITLE = "Triển khai bệnh án điện tử tại trạm y tế xã"


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).unique().scalar_one()


def _found(title: str, host: User) -> TeachingSession | None:
    return db.session.execute(select(TeachingSession).where(
        TeachingSession.title == title, TeachingSession.host_id == host.id).limit(1)).scalar_one_or_none()


def _codes(codes: list[str]) -> list[str]:
    """Competency codes the loaded framework knows (free tags while there is
    no competency domain), so the demo never trips the codes check."""
    known = validation._competency_lookup()
    return list(codes) if known is None else [c for c in codes if c in known(codes)]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), ZONE)


def _past(group, host, title: str, days_ago: int, register: dict, ratings: dict, topic: str) -> int:
    """A held session: built as rows (the services refuse a start in the
    past), its register from join/leave segments, then held and rated
    through the services."""
    if _found(title, host) is not None:
        return 0
    start = _at(clock.now().astimezone(ZONE).date() - timedelta(days=days_ago), 14).astimezone(ZoneInfo("UTC"))
    session = TeachingSession(host_id=host.id, created_by_id=host.id, title=title, topic=topic,
                              competency_codes=_codes(["FM-HTN"] if "huyết áp" in title else ["FM-T2D"]),
                              starts_at=start, ends_at=start + timedelta(minutes=60), duration_minutes=60,
                              timezone=str(ZONE), video_url="https://meet.benhvien.example.vn/hoi-chan-1442",
                              status="scheduled", sequence=0, created_at=start - timedelta(days=7),
                              updated_at=start - timedelta(days=7))
    session.audiences = [SessionAudience(group_id=group.id)]
    db.session.add(session)
    db.session.flush()
    for email, minutes in register.items():
        db.session.add(AttendanceSegment(session_id=session.id, user_id=_user(email).id,
                                         joined_at=session.ends_at - timedelta(minutes=minutes),
                                         left_at=session.ends_at))
    db.session.flush()
    attendance.recompute(session, [_user(e).id for e in register])
    services.mark_held(session)
    for email, (stars, comment) in ratings.items():
        feedback.give_feedback(session, _user(email), stars, comment)
    return 1


def _upcoming(actor, data: dict) -> TeachingSession | None:
    host = db.session.get(User, data.get("host_id") or actor.id)
    if _found(data["title"], host) is not None:
        return None
    session, _overlaps = services.schedule_session(actor, data)
    return session


def _next_weekday(weekday: int, hour: int, weeks: int = 0) -> datetime:
    today = clock.now().astimezone(ZONE).date()
    ahead = (weekday - today.weekday()) % 7 or 7
    return _at(today + timedelta(days=ahead + 7 * weeks), hour)


def seed(groups: dict) -> list[str]:
    a, b = groups["A"], groups["B"]
    doctor, doctor2 = _user("doctor@demo.test"), _user("doctor2@demo.test")
    coordinator = _user("coordinator@demo.test")
    added = _past(a, doctor, "Hội chẩn: kiểm soát tăng huyết áp tại trạm y tế xã", 14,
                  {"commune@demo.test": 55, "commune-a2@demo.test": 50, "district@demo.test": 60,
                   "provincial@demo.test": 30},
                  {"commune@demo.test": (5, "Rất hữu ích, em đã áp dụng phác đồ mới ở trạm."),
                   "district@demo.test": (4, "Cần thêm thời gian thảo luận ca bệnh.")},
                  "Phác đồ điều trị tăng huyết áp tuyến cơ sở")
    added += _past(b, doctor2, "Đái tháo đường típ 2: khi nào khởi trị insulin", 10,
                   {"commune2@demo.test": 60, "commune-b2@demo.test": 45},
                   {"commune2@demo.test": (5, "Bác sĩ giảng dễ hiểu.")}, "Insulin nền tại tuyến xã")

    series_first = _upcoming(doctor, {
        "title": SERIES_TITLE, "topic": "Bệnh không lây nhiễm tại tuyến cơ sở",
        "description": "Mỗi tuần: 15 phút bài giảng ngắn, sau đó trình bày và thảo luận ca bệnh.",
        "group_ids": [a.id], "starts_at": _next_weekday(1, 14), "duration_minutes": 60,
        "video_url": "https://meet.bachmai.example.vn/giao-ban-1442", "recurrence": "weekly", "count": 12,
        "competencies": _codes(["FM-HTN", "FM-T2D"]), "capacity": 30})
    if series_first is not None:
        added += 1
        agenda.add_item(series_first, doctor, {"kind": "didactic", "minutes": 15, "presenter_id": doctor.id,
                                               "title": "Cập nhật phác đồ tăng huyết áp cho trạm y tế xã"})
        case = db.session.execute(select(Case).where(Case.group_id == a.id, Case.status == "closed")
                                  .order_by(Case.id).limit(1)).scalar_one_or_none()
        if case is not None:
            agenda.add_item(series_first, doctor, {
                "kind": "case", "minutes": 30, "case_id": case.id, "presenter_id": _user("commune@demo.test").id,
                "title": "Ca bệnh: đái tháo đường típ 2 kiểm soát chưa tốt"})
        rsvp.respond(series_first, _user("commune@demo.test"), "yes")
        rsvp.respond(series_first, _user("district@demo.test"), "maybe")

    if _upcoming(doctor2, {"title": "Hội chẩn đái tháo đường và bàn chân đái tháo đường",
                           "group_ids": [b.id], "starts_at": _next_weekday(3, 9), "duration_minutes": 90,
                           "place": "Phòng giao ban Bệnh viện Đa khoa tỉnh Đồng Tháp",
                           "video_url": "https://meet.choray.example.vn/hoi-chan-dtd",
                           "competencies": _codes(["FM-T2D"])}) is not None:
        added += 1

    workshop = db.session.execute(select(Workshop).where(Workshop.title == WORKSHOP_TITLE)).scalar_one_or_none()
    if workshop is None:
        workshop = services.create_workshop(coordinator, WORKSHOP_TITLE,
                                            "Tập huấn sử dụng bệnh án điện tử cho nhân viên y tế tuyến xã, "
                                            "theo lộ trình của Bộ Y tế.")
    for n, (title, weeks) in enumerate((("Bệnh án điện tử – buổi 1: hồ sơ sức khỏe và đăng ký khám", 0),
                                        ("Bệnh án điện tử – buổi 2: kê đơn điện tử và báo cáo", 1)), start=1):
        if _upcoming(coordinator, {"title": title, "group_ids": [a.id, b.id], "host_id": doctor.id,
                                   "starts_at": _next_weekday(4, 8, weeks), "duration_minutes": 120,
                                   "workshop_id": workshop.id, "competencies": _codes(["EHR-VISIT"]),
                                   "place": "Trực tuyến", "video_url": f"https://meet.soyte.example.vn/ehr-{n}",
                                   "tiers": ["commune", "district"]}) is not None:
            added += 1
    db.session.flush()
    return [f"sessions: {added} demo sessions (or series) added"]
