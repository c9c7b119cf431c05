"""The ledger: credits derived from their sources, once per (kind, source,
person); a corrected attendance corrects the credit; an absent source yields
nothing; the nightly re-derivation is idempotent."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mentoring import clock
from mentoring.competency import ledger
from mentoring.competency.models import TrainingCredit
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.competency.helpers import approved_course
from tests.factories import gen_group, gen_user


def _credits(user, kind=None):
    stmt = select(TrainingCredit).where(TrainingCredit.user_id == user.id)
    if kind:
        stmt = stmt.where(TrainingCredit.source_kind == kind)
    return db.session.execute(stmt).scalars().all()


def test_attended_session_credits_its_duration_and_a_correction_corrects_it(loaded, sessions_stand_in):
    worker = gen_user()
    sessions_stand_in.record(41, worker, minutes=110, duration=120)   # 110 >= 0.8 * 120
    [credit] = _credits(worker, "session")
    assert (credit.source_id, credit.hours) == (41, 2.0)
    sessions_stand_in.record(41, worker, minutes=110, duration=90)    # the host corrected the duration
    [credit] = _credits(worker, "session")
    assert credit.hours == 1.5
    sessions_stand_in.record(41, worker, minutes=30, duration=90)     # corrected register: left early
    assert _credits(worker, "session") == []
    sessions_stand_in.record(42, worker, minutes=60, duration=60)
    sessions_stand_in.cancel(42)
    assert _credits(worker, "session") == []


def test_each_source_counts_once(loaded, sessions_stand_in):
    worker = gen_user()
    for _ in range(3):
        sessions_stand_in.record(7, worker, minutes=60, duration=60)
    ledger.resync_users([worker.id])
    ledger.resync_everyone()
    assert len(_credits(worker, "session")) == 1


def test_presentations_earn_the_configured_hours(app, loaded, sessions_stand_in, monkeypatch):
    monkeypatch.setitem(app.config, "MENTORING_CREDIT_HOURS", {"presentation": 2.5, "case_answer": 0.5})
    worker = gen_user()
    sessions_stand_in.present(9, 90, worker)
    [credit] = _credits(worker, "presentation")
    assert (credit.source_id, credit.hours, credit.title) == (90, 2.5, "Ca bệnh tăng huyết áp")


def test_answering_a_case_earns_a_credit_asking_does_not(loaded):
    group, people = gen_group()
    asker, district = people["commune"][0], people["district"][0]
    from mentoring.cases import services as cases
    case = gen_case(group, asker)
    cases.add_reply(case, asker, "Bệnh nhân vẫn đau đầu.")
    cases.add_reply(case, district, "Tăng amlodipine lên 10 mg.")
    cases.add_reply(case, district, "Hẹn tái khám sau 2 tuần.")
    db.session.commit()
    assert _credits(asker) == []
    [credit] = _credits(district)
    assert (credit.source_kind, credit.source_id, credit.hours) == ("case_answer", case.id, 0.5)


def test_an_absent_sessions_domain_yields_nothing_and_removes_nothing(loaded, sessions_stand_in, monkeypatch):
    worker = gen_user()
    sessions_stand_in.record(5, worker, minutes=60, duration=60)
    import sys
    monkeypatch.setitem(sys.modules, "mentoring.sessions.services", None)   # as if not installed
    assert ledger.sessions_source() is None
    ledger.resync_users([worker.id])
    ledger.resync_everyone()
    assert len(_credits(worker, "session")) == 1


def test_nightly_resync_restores_a_lost_credit_and_is_idempotent(loaded, sessions_stand_in):
    worker = gen_user()
    sessions_stand_in.record(11, worker, minutes=60, duration=60, signal=False)   # a missed signal
    assert _credits(worker) == []
    assert ledger.resync_everyone() == 1
    assert ledger.resync_everyone() == 0
    assert len(_credits(worker)) == 1


def test_hours_checks():
    today = clock.now().date()
    assert ledger.check_hours(-1, today, today)
    assert ledger.check_hours(0, today, today)
    assert "24" in ledger.check_hours(25, today, today)
    assert ledger.check_hours(24, today, today) is None
    assert ledger.check_hours(48, today - timedelta(days=1), today) is None
    assert ledger.check_hours(49, today - timedelta(days=1), today)


def test_approved_course_is_a_credit_on_its_end_date(loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    course = approved_course(worker, coordinator, hours=16, days_ago=10)
    [credit] = _credits(worker, "outside_course")
    assert credit.source_id == course.id and credit.hours == 16
    assert credit.earned_at.date() == course.ended_on
    assert db.session.execute(select(func.count()).select_from(TrainingCredit)).scalar() >= 1


def test_signals_without_people_do_nothing(loaded):
    from mentoring import signals
    signals.attendance_changed.send(1, user_ids=[])
    signals.case_answered.send(1, user_id=None)
    assert ledger.resync_users([]) == set()


@pytest.mark.parametrize("kind", ["session", "presentation"])
def test_sources_without_the_sessions_domain_return_none(kind, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "mentoring.sessions.services", None)
    assert ledger.SOURCES[kind](None, *ledger.ALL_TIME) is None
