"""Urgent messages: acknowledging, who has and who has not yet, and the
reminder job that asks again every REMINDER_EVERY until they do. Posting
creates the rows and deleting closes them (services); everything between
lives here, apart from posting so the reminder job needs no upload or
rate-limit code."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mentoring import clock
from mentoring.auth import policy
from mentoring.chat.models import ChatAcknowledgement, ChatMessage
from mentoring.chat.reads import get_message
from mentoring.chat.rooms import room_title
from mentoring.errors import NotFound
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind
from mentoring.realtime import emit_after_commit

REMINDER_EVERY = timedelta(minutes=5)

register_kind("chat.urgent_reminder",
              _l("Reminder: %(author)s is waiting for you to acknowledge an urgent message in %(room)s"))


def acknowledgements_of(message: ChatMessage) -> list[ChatAcknowledgement]:
    """Everyone asked to acknowledge this urgent message, in the order asked."""
    return list(db.session.execute(select(ChatAcknowledgement).where(
        ChatAcknowledgement.message_id == message.id).order_by(ChatAcknowledgement.id)
    ).unique().scalars())


def acknowledge(user, message_id) -> ChatAcknowledgement:
    message = get_message(user, message_id)
    ack = db.session.execute(select(ChatAcknowledgement).where(
        ChatAcknowledgement.message_id == message.id, ChatAcknowledgement.user_id == user.id)
    ).unique().scalar_one_or_none()
    if ack is None:
        raise NotFound(_l("Nobody asked you to acknowledge this message."))
    if ack.acknowledged_at is None:
        now = clock.now()
        ack.acknowledged_at = now
        ack.done_at = ack.done_at or now
        db.session.flush()
        emit_after_commit("acknowledged", {"room": message.room_id, "message_id": message.id,
                                           "user": user.id, "user_name": user.full_name,
                                           "at": now.isoformat()}, room=message.room.socket_room)
    return ack


def acknowledgement_status(user, message_id) -> dict:
    """Who has acknowledged an urgent message and who has not yet."""
    message = get_message(user, message_id)
    done, pending = [], []
    for ack in acknowledgements_of(message):
        entry = {"id": ack.user_id, "name": ack.user.full_name,
                 "at": ack.acknowledged_at.isoformat() if ack.acknowledged_at else None}
        (done if ack.acknowledged_at else pending).append(entry)
    return {"message_id": message.id, "acknowledged": done, "pending": pending}


def claim_due_reminders(limit: int = 200) -> list[ChatAcknowledgement]:
    stmt = (select(ChatAcknowledgement).where(ChatAcknowledgement.done_at.is_(None),
                                              ChatAcknowledgement.due_at <= clock.now())
            .order_by(ChatAcknowledgement.due_at).limit(limit))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=ChatAcknowledgement)
    return list(db.session.execute(stmt).unique().scalars())


def send_due_reminders() -> int:
    """Remind each recipient whose acknowledgement is overdue and move the
    due time on, in the transaction that claimed the row: twice run, once sent."""
    now = clock.now()
    sent = 0
    for ack in claim_due_reminders():
        message = ack.message
        if message.deleted_at is not None or not policy.allowed(ack.user, "chat.room.view", message.room):
            ack.done_at = now  # nobody to remind any more
            continue
        notify([ack.user], "chat.urgent_reminder",
               {"author": message.author.full_name, "room": room_title(message.room, ack.user)},
               f"/chat/{message.room_id}#m{message.id}")
        ack.reminders_sent += 1
        ack.due_at = now + REMINDER_EVERY
        sent += 1
    db.session.flush()
    return sent
