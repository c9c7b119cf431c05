"""Reminders on PostgreSQL with real connections: two schedulers at once
(FOR UPDATE SKIP LOCKED lets one claim a due reminder), a job run twice, and
a scheduler restarted (a new app on the same database) each send it once."""
import os
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from mentoring import clock, create_app, scheduler
from mentoring.config import TestConfig
from mentoring.extensions import db
from tests.conftest import _config_dict, scratch_postgres_database

pytestmark = [pytest.mark.no_transaction,
              pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                 reason="needs TEST_DATABASE_URL (PostgreSQL)")]


def _app(url, path):
    return create_app({**_config_dict(TestConfig), "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(path)})


def _setup(app) -> int:
    from mentoring.auth.models import User
    from mentoring.org.models import Commune, Facility, GroupMembership, MentoringGroup, Province, Tier
    from mentoring.sessions import services
    t0 = datetime(2027, 1, 4, 1, 0, tzinfo=timezone.utc)
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
        for tier, role in (("central", "mentor"), ("district", "worker"), ("commune", "worker")):
            user = User(email=f"{tier}@x.test", full_name=tier, password_hash="x", role=role,
                        tier_code=tier, facility_id=facility.id, created_at=t0)
            db.session.add(user)
            db.session.flush()
            db.session.add(GroupMembership(group_id=group.id, user_id=user.id, tier_code=tier,
                                           role="mentor" if role == "mentor" else "member",
                                           joined_on=date(2026, 1, 1)))
            people[tier] = user
        db.session.flush()
        session, _ = services.schedule_session(people["central"], {
            "title": "Giao ban", "group_ids": [group.id], "starts_at": t0 + timedelta(days=7),
            "duration_minutes": 60, "video_url": "https://meet.example.org/abc"})
        session_id = session.id
        db.session.commit()
        db.session.remove()
    return session_id


def _reminders(app) -> int:
    from mentoring.notifications.models import Notification
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(Notification).where(
            Notification.kind == "session.reminder")).scalar()
        db.session.remove()
        return n


def test_two_schedulers_a_second_run_and_a_restart_send_each_reminder_once(tmp_path):
    from mentoring.sessions import reminders
    from mentoring.sessions.models import TeachingSession
    with scratch_postgres_database(os.environ["TEST_DATABASE_URL"], "mentoring_sessions_lock") as url:
        app = _app(url, tmp_path / "a")
        try:
            session_id = _setup(app)
            with app.app_context():
                starts_at = db.session.get(TeachingSession, session_id).starts_at
                db.session.remove()
            clock.freeze(starts_at - timedelta(hours=24))

            # Two schedulers at once: the first holds its claim while the second runs.
            claimed, release, counts = threading.Event(), threading.Event(), {}

            def first():
                with app.app_context():
                    rows = reminders.claim_due(10)  # locks the row, holds the transaction
                    counts["first"] = len(rows)
                    claimed.set()
                    release.wait(10)
                    from mentoring.sessions import notices
                    from mentoring.sessions.audience import invited_users
                    for row in rows:
                        session = db.session.get(TeachingSession, row.session_id)
                        notices.tell(invited_users(session, without_declined=True), "session.reminder", session)
                    db.session.commit()
                    db.session.remove()

            def second():
                claimed.wait(10)
                with app.app_context():
                    counts["second"] = reminders.run_due()
                    db.session.commit()
                    db.session.remove()
                release.set()

            threads = [threading.Thread(target=first), threading.Thread(target=second)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(20)
            assert counts == {"first": 1, "second": 0}
            assert _reminders(app) == 3  # host, district and commune workers: once each

            # The job run again, and a restarted scheduler (a new app, new connections).
            scheduler.run_all_once(app)
            restarted = _app(url, tmp_path / "b")
            scheduler.run_all_once(restarted)
            assert _reminders(app) == 3
            with restarted.app_context():
                db.session.remove()
                db.engine.dispose()

            # The 15-minute reminder, by two real scheduler runs in parallel.
            clock.freeze(starts_at - timedelta(minutes=15))
            runs = [threading.Thread(target=scheduler.run_all_once, args=(a,)) for a in (app, restarted)]
            for t in runs:
                t.start()
            for t in runs:
                t.join(30)
            assert _reminders(app) == 6
        finally:
            clock.unfreeze()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
