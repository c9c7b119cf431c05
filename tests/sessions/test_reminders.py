"""Reminder rows: 24 h and 15 min before (configurable), to those invited who
have not declined; each goes out once however often the job runs; the end
row closes the register and marks the session held."""
from datetime import timedelta

from sqlalchemy import select

from mentoring import clock, scheduler
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from mentoring.sessions import attendance, jobs, reminders, rsvp, services
from tests.factories import gen_group
from tests.sessions.helpers import freeze, gen_session


def _reminded(kind="session.reminder"):
    return sorted(db.session.execute(select(Notification.user_id).where(Notification.kind == kind)).scalars())


def test_each_reminder_fires_once_to_those_who_did_not_decline():
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    decliner = people["district"][0]
    rsvp.respond(session, decliner, "no")
    expected = sorted([people["mentor"].id, people["provincial"][0].id, people["commune"][0].id])
    assert reminders.run_due() == 0
    clock.freeze(session.starts_at - timedelta(hours=24))
    assert reminders.run_due() == 1
    assert reminders.run_due() == 0  # the job running twice acts once
    assert _reminded() == expected
    clock.freeze(session.starts_at - timedelta(minutes=15))
    jobs.send_session_reminders()
    jobs.send_session_reminders()
    assert _reminded() == sorted(expected * 2)
    text = db.session.execute(select(Notification).where(Notification.user_id == people["commune"][0].id,
                                                         Notification.kind == "session.reminder")).scalars().first()
    from mentoring.notifications.services import render
    assert render(text, "vi").startswith("Nhắc lịch: Giao ban tăng huyết áp bắt đầu lúc 08:00 11/01/2027")


def test_offsets_are_configurable(app, monkeypatch):
    freeze()
    monkeypatch.setitem(app.config, "MENTORING_SESSION_REMINDERS_MINUTES", [60])
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    clock.freeze(session.starts_at - timedelta(minutes=61))
    assert reminders.run_due() == 0
    clock.freeze(session.starts_at - timedelta(minutes=60))
    assert reminders.run_due() == 1


def test_a_cancelled_session_sends_no_reminder():
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    services.cancel_session(session, people["mentor"])
    clock.freeze(session.ends_at + timedelta(hours=1))
    assert reminders.run_due() == 0 and _reminded() == []
    assert session.status == "cancelled"


def test_the_end_closes_the_register_and_holds_the_session(app):
    freeze()
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    worker = people["commune"][0]
    clock.freeze(session.starts_at + timedelta(minutes=10))
    attendance.join(session, worker)
    clock.freeze(session.ends_at + timedelta(minutes=30))
    db.session.commit()
    scheduler.run_all_once(app)  # the scheduler's own door: commit per job
    db.session.expire_all()
    assert session.status == "held"
    assert attendance.minutes_of(session, worker.id) == 50
    assert not attendance.is_joined(session, worker.id)


def test_slides_reminder_when_nothing_was_uploaded():
    freeze()
    from mentoring.sessions import agenda
    group, people = gen_group(complete=False)
    session = gen_session(group, people["mentor"])
    presenter = people["district"][0]
    agenda.add_item(session, people["mentor"], {"kind": "didactic", "title": "Ca lâm sàng", "minutes": 20,
                                                "presenter_id": presenter.id})
    assert _reminded("session.presenter") == [presenter.id]
    clock.freeze(session.starts_at - timedelta(days=2))
    reminders.run_due()
    assert _reminded("session.slides_reminder") == [presenter.id]
