"""Two scheduler runs at once on PostgreSQL: FOR UPDATE SKIP LOCKED lets
only one of them claim a due escalation, so the case moves up once."""
import os
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from mentoring import clock, create_app
from mentoring.config import TestConfig
from mentoring.extensions import db
from tests.conftest import _config_dict, scratch_postgres_database

pytestmark = pytest.mark.no_transaction


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_two_job_runs_escalate_once(tmp_path):
    with scratch_postgres_database(os.environ["TEST_DATABASE_URL"], "mentoring_cases_lock") as url:
        app = create_app({**_config_dict(TestConfig), "SQLALCHEMY_DATABASE_URI": url,
                          "INSTANCE_PATH": str(tmp_path)})
        try:
            _run(app)
        finally:
            clock.unfreeze()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _run(app):
    from mentoring.auth.models import User
    from mentoring.cases import services
    from mentoring.cases.models import Case, CaseEvent
    from mentoring.org.models import Commune, Facility, GroupMembership, MentoringGroup, Province, Tier
    t0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    clock.freeze(t0)
    with app.app_context():
        db.create_all()
        db.session.add_all([Tier(code=c, rank=i) for i, c in
                            enumerate(("central", "provincial", "district", "commune"), 1)])
        db.session.add(Province(code=25, name="Phú Thọ", division_type="tỉnh", codename="phu_tho"))
        db.session.flush()
        db.session.add(Commune(code=8515, province_code=25, name="Xã Hy Cương", division_type="xã",
                               codename="hy_cuong"))
        facility = Facility(name="Trạm", kind="commune_health_station", tier_code="commune",
                            province_code=25, commune_code=8515)
        group = MentoringGroup(name="G", created_at=t0)
        db.session.add_all([facility, group])
        db.session.flush()
        people = {}
        for tier, role in (("central", "mentor"), ("provincial", "worker"), ("district", "worker"),
                           ("commune", "worker")):
            user = User(email=f"{tier}@x.test", full_name=tier, password_hash="x", role=role,
                        tier_code=tier, facility_id=facility.id, created_at=t0)
            db.session.add(user)
            db.session.flush()
            db.session.add(GroupMembership(group_id=group.id, user_id=user.id, tier_code=tier,
                                           role="mentor" if role == "mentor" else "member",
                                           joined_on=date(2026, 1, 1)))
            people[tier] = user
        db.session.flush()
        case = services.create_case(people["commune"], group, {
            "age_years": 54, "sex": "female", "complaint": "Đau đầu", "question": "Tăng liều?",
            "patient_consent": True})
        case_id = case.id
        db.session.commit()
    clock.advance(timedelta(hours=49))

    claimed = threading.Event()
    release = threading.Event()
    counts = {}

    def first():
        with app.app_context():
            timers = services._claim_due("escalation", 10)   # locks the row, holds the transaction
            counts["first"] = len(timers)
            claimed.set()
            release.wait(10)
            for timer in timers:
                services.escalate_case(db.session.get(Case, timer.case_id))
            db.session.commit()
            db.session.remove()

    def second():
        claimed.wait(10)
        with app.app_context():
            counts["second"] = services.run_due_escalations()
            db.session.commit()
            db.session.remove()
        release.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    with app.app_context():
        assert counts == {"first": 1, "second": 0}
        case = db.session.get(Case, case_id)
        assert case.current_tier_code == "provincial"
        events = db.session.execute(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "escalated")).scalars().all()
        assert len(events) == 1
        db.session.remove()
