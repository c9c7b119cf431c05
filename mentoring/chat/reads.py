"""Reading a room: one message the viewer may see, the history (paged by
id) and read receipts (the per-person mark that only moves forward). Posting
moves the author's own mark; acknowledgements and edits fetch the message
here, so this module depends on neither."""
import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from mentoring import clock
from mentoring.auth import policy
from mentoring.chat.models import ChatMessage, ChatReadState, ChatRoom
from mentoring.errors import NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.realtime import emit_after_commit


def get_message(user, message_id) -> ChatMessage:
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) else None
    if message is None or not policy.allowed(user, "chat.room.view", message.room):
        raise NotFound(_l("This message does not exist."))
    return message


def last_id(room: ChatRoom) -> int:
    return db.session.execute(select(func.max(ChatMessage.id)).where(
        ChatMessage.room_id == room.id)).scalar() or 0


def history(room: ChatRoom, after: int | None = None, before: int | None = None,
            limit: int = 50) -> tuple[list[ChatMessage], int]:
    """Messages in id order. `after`: the first `limit` after that id (resync
    after a reconnect, page on until total is reached); otherwise the latest
    `limit` (before `before`, for scrolling back). Returns (items, total)."""
    where = [ChatMessage.room_id == room.id]
    if after is not None:
        where.append(ChatMessage.id > after)
    if before is not None:
        where.append(ChatMessage.id < before)
    total = db.session.execute(select(func.count()).select_from(ChatMessage).where(*where)).scalar()
    stmt = select(ChatMessage).where(*where)
    if after is not None:
        items = db.session.execute(stmt.order_by(ChatMessage.id).limit(limit)).unique().scalars().all()
    else:
        items = db.session.execute(stmt.order_by(ChatMessage.id.desc()).limit(limit)
                                   ).unique().scalars().all()[::-1]
    return list(items), total


# --- read receipts ----------------------------------------------------------

@functools.cache
def _advance_statement():
    # Built once: it runs for every message posted.
    return (update(ChatReadState)
            .where(ChatReadState.room_id == bindparam("b_room"), ChatReadState.user_id == bindparam("b_user"),
                   ChatReadState.last_read_id < bindparam("b_message"))
            .values(last_read_id=bindparam("b_message"), updated_at=bindparam("b_now"))
            .execution_options(synchronize_session=False))


def advance_read(user, room: ChatRoom, message_id: int) -> bool:
    """Move the user's read mark to message_id if that is forward; the caller
    flushes and announces (posting moves the author's own mark silently)."""
    # The common case (a mark that exists and moves forward) in one statement;
    # the mark never moves back, whoever else moves it at the same time.
    moved = db.session.execute(_advance_statement(), {"b_room": room.id, "b_user": user.id,
                                                      "b_message": message_id, "b_now": clock.now()}).rowcount
    if moved:
        state = db.session.identity_map.get(db.session.identity_key(ChatReadState, (room.id, user.id)))
        if state is not None:  # loaded earlier in this unit of work: keep it true
            set_committed_value(state, "last_read_id", message_id)
        return True
    state = db.session.get(ChatReadState, (room.id, user.id))
    if state is None:
        try:
            with db.session.begin_nested():
                db.session.add(ChatReadState(room_id=room.id, user_id=user.id,
                                             last_read_id=message_id, updated_at=clock.now()))
            return True
        except IntegrityError:
            state = db.session.get(ChatReadState, (room.id, user.id))
    if state.last_read_id >= message_id:
        return False
    state.last_read_id = message_id
    state.updated_at = clock.now()
    return True


def mark_read(user, room: ChatRoom, message_id) -> int | None:
    """Move the user's read mark forward (never back); announce it if it moved."""
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ValidationFailed(_l("Not a valid value."), {"message_id": _l("Not a valid value.")})
    message = db.session.get(ChatMessage, message_id)
    if message is None or message.room_id != room.id:
        raise NotFound(_l("This message does not exist."))
    if not advance_read(user, room, message_id):
        return None
    db.session.flush()
    emit_after_commit("read", {"room": room.id, "user": user.id, "user_name": user.full_name,
                               "message_id": message_id}, room=room.socket_room)
    return message_id


def read_marks(room: ChatRoom) -> dict[int, int]:
    """{user id: last read message id}: message N is seen by those with mark >= N."""
    return dict(db.session.execute(select(ChatReadState.user_id, ChatReadState.last_read_id)
                                   .where(ChatReadState.room_id == room.id)).all())
