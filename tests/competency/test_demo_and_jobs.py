"""seed-demo's competency part is idempotent and gives the coordinator a
dashboard worth looking at; the scheduler knows the jobs; hours_summary."""

from sqlalchemy import func, select

from mentoring import clock, scheduler
from mentoring.auth.models import User
from mentoring.competency import dashboard, programmes, services
from mentoring.competency.models import Assessment, Certificate, EhrRollout, OutsideCourse, TrainingCredit
from mentoring.demo import seed
from mentoring.extensions import db
from tests.competency.helpers import approved_course
from tests.factories import gen_user


def _counts():
    return [db.session.execute(select(func.count()).select_from(m)).scalar()
            for m in (Certificate, Assessment, OutsideCourse, TrainingCredit, EhrRollout)]


def test_demo_is_idempotent_and_spread(app):
    seed()
    db.session.commit()
    first = _counts()
    seed()
    db.session.commit()
    assert _counts() == first
    commune = db.session.execute(select(User).where(User.email == "commune@demo.test")).unique().scalar_one()
    held = db.session.execute(select(Certificate).where(Certificate.user_id == commune.id)).unique().scalars().all()
    assert [c.status_on(clock.now().date()) for c in held] == ["valid"]
    _, totals = dashboard.counts_by(programmes.default_programme(), "tier")
    assert all(totals[s] > 0 for s in dashboard.STATUSES), totals
    assert services.coordinator_alerts()["facilities_at_risk"] >= 1
    # The sessions demo runs before this one: its sessions still name real
    # competencies of the shipped frameworks (seeded first by prepare()).
    from mentoring.competency.models import Competency
    from mentoring.sessions.models import TeachingSession
    tagged = db.session.execute(select(TeachingSession.competency_codes)).scalars().all()
    named = {code for codes in tagged for code in (codes or [])}
    known = set(db.session.execute(select(Competency.code)).scalars())
    assert {"FM-HTN", "FM-T2D", "EHR-VISIT"} <= named <= known


def test_scheduler_lists_the_competency_jobs():
    ids = [job_id for job_id, _, _ in scheduler.jobs()]
    assert "competency.renewal_warnings" in ids and "competency.nightly_certification" in ids


def test_hours_summary(loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    assert services.hours_summary(worker) == {"this_year": 0, "window": 0, "required": 120.0}
    approved_course(worker, coordinator, hours=10, days_ago=400, title="Năm trước")
    approved_course(worker, coordinator, hours=6, days_ago=0, title="Hôm nay")
    summary = services.hours_summary(worker)
    assert summary["window"] == 16 and summary["required"] == 120.0
    assert summary["this_year"] == 6
