"""Notifications: stored, pushed live after commit (never before), e-mailed
through a real SMTP server (aiosmtpd) by the scheduler job, once."""
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from sqlalchemy import select

from mentoring.extensions import db, socketio
from mentoring.notifications import jobs, services
from mentoring.notifications.models import Notification
from tests.factories import gen_user, login
from tests.live import free_port

REFUSED = "refused@mailbox-gone.test"


class _Inbox(Message):
    """A real SMTP server's inbox; it refuses one recipient for good (550),
    as a mail server does for a mailbox that no longer exists."""

    def __init__(self):
        super().__init__()
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MENTORING_SMTP_HOST="127.0.0.1", MENTORING_SMTP_PORT=port,
                      MENTORING_BASE_URL="https://mentoring.example.vn")
    try:
        yield inbox
    finally:
        controller.stop()
        app.config.pop("MENTORING_SMTP_HOST")


def test_notify_renders_in_the_readers_language():
    vi, en = gen_user(language="vi"), gen_user(language="en")
    notes = services.notify([vi, en, vi], "system.message", {"text": "Xin chào"}, link="/groups")
    assert len(notes) == 2  # duplicates skipped
    assert services.unread_count(vi) == 1
    assert services.render(notes[0], "vi") == "Xin chào"
    assert services.mark_read(vi) == 1 and services.unread_count(vi) == 0


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        services.notify([gen_user()], "no.such.kind")


def test_live_push_only_after_commit(app, client):
    user = gen_user()
    login(client, user)
    socket_client = socketio.test_client(app, flask_test_client=client)
    assert socket_client.is_connected()
    socket_client.get_received()
    services.notify([user], "system.message", {"text": "rolled back"})
    db.session.rollback()
    assert socket_client.get_received() == []
    services.notify([user], "system.message", {"text": "kept"})
    db.session.commit()
    received = socket_client.get_received()
    assert [(m["name"], m["args"][0]["text"]) for m in received] == [("notification", "kept")]
    socket_client.disconnect()


def test_socket_refuses_anonymous_and_bad_tokens(app):
    anonymous = socketio.test_client(app)
    assert not anonymous.is_connected()
    bad = socketio.test_client(app, auth={"token": "not-a-token"})
    assert not bad.is_connected()


def test_emails_are_sent_once_through_real_smtp(app, smtp_server):
    user = gen_user(language="en")
    services.notify([user], "system.message", {"text": "Session tomorrow"}, link="/groups")
    db.session.commit()
    assert jobs.send_due_emails() == 1
    assert jobs.send_due_emails() == 0  # the job ran twice, the e-mail went once
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email and "Session tomorrow" in message["Subject"]
    assert "https://mentoring.example.vn/groups" in message.get_payload()


def test_bell_page_and_mark_read(client):
    user = gen_user()
    services.notify([user], "system.message", {"text": "Ca bệnh mới"}, link="/groups")
    login(client, user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Ca bệnh mới" in page
    assert 'id="bell-count">1<' in page
    client.post("/notifications/read")
    assert services.unread_count(user) == 0


def test_times_are_shown_in_the_readers_zone(client):
    from datetime import datetime, timezone

    from mentoring import clock
    clock.freeze(datetime(2026, 11, 22, 1, 30, tzinfo=timezone.utc))
    user = gen_user(language="en")
    services.notify([user], "system.message", {"text": "hello"})
    login(client, user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "8:30" in page  # 01:30 UTC is 08:30 in Asia/Ho_Chi_Minh


def _note_of(user) -> Notification:
    return db.session.execute(select(Notification).where(Notification.user_id == user.id)).scalar_one()


def test_a_poison_mail_between_two_good_ones(app, smtp_server):
    """Each good mail goes exactly once over three runs; the poison one is
    tried once a run and failed with its error after N tries. (The old job
    sent the whole batch in one transaction: the line break in a subject
    raised, rolled back, and the mails before it went again every run.)"""
    app.config["MENTORING_MAIL_MAX_ATTEMPTS"] = 3
    first, poison, middle, last = (gen_user(language="en"), gen_user(language="en", email=REFUSED),
                                   gen_user(language="en"), gen_user(language="en"))
    for user, text in ((first, "Tomorrow 8:00"), (poison, "Case answered"),
                       (middle, "Chest pain\r\nBcc: everyone@example.com"), (last, "Session moved")):
        services.notify([user], "system.message", {"text": text}, link="/groups")
        db.session.commit()
    assert [jobs.send_due_emails() for _run in range(3)] == [3, 0, 0]
    delivered = sorted(m["To"] for m in smtp_server.messages)
    assert delivered == sorted([first.email, middle.email, last.email])
    folded = next(m for m in smtp_server.messages if m["To"] == middle.email)
    assert folded["Subject"] == "Chest pain Bcc: everyone@example.com" and folded["Bcc"] is None
    bad = _note_of(poison)
    assert (bad.email_attempts, bad.email_pending, bad.emailed_at) == (3, False, None)
    assert bad.email_failed_at is not None and "550" in bad.email_error and "No such mailbox" in bad.email_error
    assert [_note_of(u).email_attempts for u in (first, middle, last)] == [1, 1, 1]
    assert jobs.send_due_emails() == 0 and _note_of(poison).email_attempts == 3   # failed stays failed
    assert len(smtp_server.messages) == 3


def test_a_mail_server_that_is_away_costs_no_attempt(app, smtp_server):
    user = gen_user(language="en")
    services.notify([user], "system.message", {"text": "Tomorrow"})
    db.session.commit()
    port = app.config["MENTORING_SMTP_PORT"]
    app.config["MENTORING_SMTP_PORT"] = free_port()   # nobody listens there
    assert jobs.send_due_emails() == 0
    note = _note_of(user)
    assert (note.email_attempts, note.email_pending, note.email_error) == (0, True, None)
    app.config["MENTORING_SMTP_PORT"] = port
    assert jobs.send_due_emails() == 1 and len(smtp_server.messages) == 1
