"""Notifications: stored, pushed live after commit (never before), e-mailed
through a real SMTP server (aiosmtpd) by the scheduler job, once."""
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from mentoring.extensions import db, socketio
from mentoring.notifications import services
from tests.factories import gen_user, login


class _Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

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
    assert services.send_due_emails() == 1
    db.session.commit()
    assert services.send_due_emails() == 0  # the job ran twice, the e-mail went once
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
