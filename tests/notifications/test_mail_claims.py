"""Two e-mail job runs at once on PostgreSQL: each claims its mail with
FOR UPDATE SKIP LOCKED, so a mail one run is sending is never sent by the
other, and every mail goes exactly once."""
import os
import socket
import threading
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from mentoring import create_app
from mentoring.config import TestConfig
from mentoring.extensions import db
from tests.conftest import _config_dict, scratch_postgres_database
from tests.notifications.test_services import _Inbox

pytestmark = pytest.mark.no_transaction


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_two_runs_at_once_send_each_mail_once(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with scratch_postgres_database(os.environ["TEST_DATABASE_URL"], "mentoring_mail_lock") as url:
            app = create_app({**_config_dict(TestConfig), "SQLALCHEMY_DATABASE_URI": url,
                              "INSTANCE_PATH": str(tmp_path), "MENTORING_SMTP_HOST": "127.0.0.1",
                              "MENTORING_SMTP_PORT": port})
            try:
                _run(app, inbox)
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    finally:
        controller.stop()


def _run(app, inbox):
    from mentoring.auth.models import User
    from mentoring.notifications import jobs, services
    from mentoring.notifications.models import Notification
    from mentoring.org.models import Tier
    with app.app_context():
        db.create_all()
        db.session.add_all([Tier(code=c, rank=i) for i, c in
                            enumerate(("central", "provincial", "district", "commune"), 1)])
        users = [User(email=f"u{n}@x.test", full_name=f"U{n}", password_hash="x", role="coordinator",
                      created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)) for n in range(3)]
        db.session.add_all(users)
        db.session.flush()
        services.notify(users, "system.message", {"text": "Họp giao ban"})
        db.session.commit()

    claimed, release, held = threading.Event(), threading.Event(), {}

    def slow_run():
        """A run that has claimed the first mail and is still talking to SMTP."""
        with app.app_context():
            note, user = services.claim_next_email()
            held["id"] = note.id
            claimed.set()
            release.wait(20)
            from mentoring.notifications.mail import send_mail
            send_mail(*services.compose_email(note, user))
            services.mark_emailed(note)
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=slow_run)
    thread.start()
    assert claimed.wait(20)
    try:
        with app.app_context():
            assert jobs.send_due_emails() == 2   # the other two; the held one is skipped, not waited for
            db.session.remove()
    finally:
        release.set()
        thread.join(20)
    with app.app_context():
        assert jobs.send_due_emails() == 0
        notes = db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()
        assert [n.email_attempts for n in notes] == [1, 1, 1] and all(n.emailed_at for n in notes)
        assert held["id"] == notes[0].id
        db.session.remove()
    assert sorted(m["To"] for m in inbox.messages) == ["u0@x.test", "u1@x.test", "u2@x.test"]
