"""The issue's "done when", through HTTP doors with the controllable clock:
doctor@demo.test schedules a weekly session for group A with a case
presentation; commune@demo.test sees it, RSVPs, imports the .ics; the 24 h
and 15 min reminders fire once each although the job runs twice; the commune
worker joins, asks in the session room, leaves; the register shows the
minutes; the host corrects one entry with a reason; the commune worker rates
it. seed-demo gives every demo account a realistic calendar, idempotently.
(Two schedulers at once on PostgreSQL: test_concurrency.py.)"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import func, select

from mentoring import clock, scheduler
from mentoring.auth.models import User
from mentoring.cases.models import Case
from mentoring.demo import GROUP_A, PASSWORD, seed
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from mentoring.org.models import MentoringGroup
from mentoring.sessions.models import TeachingSession
from tests.sessions.helpers import client_for

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO = ("doctor@demo.test", "provincial@demo.test", "district@demo.test", "commune@demo.test",
        "doctor2@demo.test", "commune2@demo.test", "coordinator@demo.test", "admin@demo.test")


def _user(email):
    return db.session.execute(select(User).where(User.email == email)).unique().scalar_one()


def _as(app, email):
    return client_for(app, _user(email), PASSWORD)


def _reminders_for(user, session_id):
    notes = db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "session.reminder")).scalars().all()
    return [n for n in notes if n.params.get("session_id") == session_id]


def _run_jobs_twice(app):
    db.session.commit()
    scheduler.run_all_once(app)
    scheduler.run_all_once(app)
    db.session.expire_all()


def test_weekly_session_journey(app):
    seed()
    db.session.commit()
    clock.freeze(clock.now())
    group_a = db.session.execute(select(MentoringGroup).where(MentoringGroup.name == GROUP_A)).scalar_one()
    doctor, commune = _user("doctor@demo.test"), _user("commune@demo.test")
    today = clock.now().astimezone(HANOI).date()
    day = today + timedelta(days=(2 - today.weekday()) % 7 + 7)  # a Wednesday at least a week ahead

    # The doctor schedules a weekly session for group A.
    host = _as(app, "doctor@demo.test")
    response = host.post("/sessions/new", data={
        "title": "Hội chẩn ca khó hằng tuần", "group_ids": [str(group_a.id)], "starts_on": day.isoformat(),
        "start_time": "14:00", "end_time": "15:00", "timezone": "Asia/Ho_Chi_Minh",
        "video_url": "https://meet.bachmai.example.vn/hoi-chan-thu-tu", "recurrence": "weekly", "count": "4"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    session = db.session.get(TeachingSession, session_id)
    assert session.starts_at == datetime(day.year, day.month, day.day, 14, tzinfo=HANOI)
    assert db.session.execute(select(func.count()).select_from(TeachingSession).where(
        TeachingSession.series_id == session.series_id)).scalar() == 4

    # ... with a case presentation of a closed demo case.
    case = db.session.execute(select(Case).where(Case.group_id == group_a.id, Case.status == "closed")
                              .limit(1)).scalar_one()
    host.post(f"/sessions/{session_id}/agenda", data={"kind": "case", "title": "Ca đái tháo đường típ 2",
                                                      "minutes": "30", "case_id": case.id,
                                                      "presenter_id": commune.id})
    page = host.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Ca đái tháo đường típ 2" in page and f"/cases/{case.id}" in page

    # The commune worker sees it, answers, imports the .ics.
    worker = _as(app, "commune@demo.test")
    calendar = worker.get(f"/sessions?date={day.isoformat()}").get_data(as_text=True)
    assert f'data-session-id="{session_id}"' in calendar
    assert "https://meet.bachmai.example.vn/hoi-chan-thu-tu" in worker.get(f"/sessions/{session_id}").get_data(
        as_text=True)
    worker.post(f"/sessions/{session_id}/rsvp", data={"response": "yes"})
    assert 'data-testid="my-rsvp">tham dự<' in worker.get(f"/sessions/{session_id}").get_data(as_text=True)
    ics = worker.get(f"/sessions/{session_id}/calendar.ics")
    [event] = Calendar.from_ical(ics.data).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=7)
    assert (start.hour, start.minute, start.date()) == (14, 0, day) and start == session.starts_at

    # Reminders: 24 h and 15 min before, once each, although the job runs twice each time.
    clock.freeze(session.starts_at - timedelta(hours=24))
    _run_jobs_twice(app)
    assert len(_reminders_for(commune, session_id)) == 1
    clock.freeze(session.starts_at - timedelta(minutes=15))
    _run_jobs_twice(app)
    assert len(_reminders_for(commune, session_id)) == 2
    assert len(_reminders_for(doctor, session_id)) == 2

    # The worker joins (the call opens), asks in the session room, leaves after 40 minutes.
    clock.freeze(session.starts_at + timedelta(minutes=2))
    joined = worker.post(f"/sessions/{session_id}/join")
    assert joined.headers["Location"] == "https://meet.bachmai.example.vn/hoi-chan-thu-tu"
    room_url = worker.get(f"/sessions/{session_id}/room").headers["Location"]
    assert worker.post(room_url, data={"body": "Bệnh nhân có cần thêm thuốc thứ hai không ạ?"}).status_code == 302
    clock.freeze(session.starts_at + timedelta(minutes=42))
    worker.post(f"/sessions/{session_id}/leave")

    # The register shows the minutes; the host corrects the entry with a reason.
    clock.freeze(session.ends_at + timedelta(minutes=5))
    register = host.get(f"/sessions/{session_id}").get_data(as_text=True)
    line = register[register.find(f'data-user-id="{commune.id}"'):]
    assert f'data-user-id="{commune.id}"' in register and line[:300].count("40 phút") == 1
    assert "Bệnh nhân có cần thêm thuốc thứ hai không ạ?" in host.get(room_url).get_data(as_text=True)
    host.post(f"/sessions/{session_id}/register", data={"user_id": commune.id, "minutes": "55",
                                                        "reason": "Mất sóng 15 phút, vẫn nghe qua điện thoại"})
    corrected = host.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Mất sóng 15 phút, vẫn nghe qua điện thoại" in corrected and "55 phút" in corrected

    # The session ends (the job marks it held); the worker rates it.
    _run_jobs_twice(app)
    assert db.session.get(TeachingSession, session_id).status == "held"
    rated = worker.post(f"/sessions/{session_id}/feedback", data={"rating": "5", "comment": "Rất thiết thực"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Cảm ơn bạn" in rated
    from mentoring.sessions.services import attended_sessions
    [credit] = attended_sessions([commune.id], session.starts_at, session.ends_at)
    assert (credit.minutes_attended, credit.attended) == (55, True)


def test_seed_demo_gives_every_account_a_calendar(app):
    seed()
    db.session.commit()
    before = db.session.execute(select(func.count()).select_from(TeachingSession)).scalar()
    seed()
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(TeachingSession)).scalar() == before
    today = clock.now().astimezone(HANOI).date()
    for email in DEMO:
        client = _as(app, email)
        upcoming = client.get("/sessions").get_data(as_text=True)
        past = client.get(f"/sessions?date={(today - timedelta(days=21)).isoformat()}").get_data(as_text=True)
        assert upcoming.count("data-session-id=") >= 2, email
        assert "đã diễn ra" in past, email
    held = db.session.execute(select(TeachingSession).where(TeachingSession.status == "held")).scalars().all()
    assert len(held) == 2
    from mentoring.sessions import attendance
    commune = _user("commune@demo.test")
    assert any(attendance.minutes_of(s, commune.id) for s in held)
    assert isinstance(date.today(), date)
