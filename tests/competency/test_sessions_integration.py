"""The ledger against the real sessions domain (now merged): a held session
attended credits its duration; a corrected register corrects the credit;
a cancelled session takes it away."""
from datetime import timedelta

from sqlalchemy import select

from mentoring import clock
from mentoring.competency.models import TrainingCredit
from mentoring.extensions import db
from mentoring.sessions import attendance
from mentoring.sessions import services as sessions
from tests.factories import gen_group
from tests.sessions.helpers import freeze, gen_session


def _credits(user):
    return db.session.execute(select(TrainingCredit.source_kind, TrainingCredit.source_id, TrainingCredit.hours)
                              .where(TrainingCredit.user_id == user.id)).all()


def test_attendance_in_the_real_register_becomes_credit(loaded):
    freeze()
    group, people = gen_group()
    host, worker = people["mentor"], people["commune"][0]
    session = gen_session(group, host, duration_minutes=90)
    clock.freeze(session.starts_at + timedelta(minutes=95))
    attendance.correct(session, host, worker.id, 85, "Điểm danh bằng giấy")
    assert _credits(worker) == []                       # not held yet: nothing counts
    sessions.mark_held(session, host)
    db.session.commit()
    assert _credits(worker) == [("session", session.id, 1.5)]
    attendance.correct(session, host, worker.id, 30, "Rời buổi sớm")
    db.session.commit()
    assert _credits(worker) == []                       # below 80 % of 90 minutes
    attendance.correct(session, host, worker.id, 90, "Sửa lại theo biên bản")
    db.session.commit()
    assert _credits(worker) == [("session", session.id, 1.5)]
