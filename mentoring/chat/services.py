"""Posting, editing and deleting messages: the rate limit, images, mentions
and urgent notices, and the payload clients see. Rooms, message text, read
marks and acknowledgements have their own modules (rooms, text, reads,
acknowledgements). Doors call these; they flush, the door commits, and
pushes leave after the commit (emit_after_commit)."""
import functools
import re
import uuid
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from mentoring import clock, uploads
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.bounds import id_arg
from mentoring.chat.acknowledgements import REMINDER_EVERY, acknowledgements_of
from mentoring.chat.models import ChatAcknowledgement, ChatAttachment, ChatMessage, ChatRoom
from mentoring.chat.reads import advance_read, get_message
from mentoring.chat.rooms import active_members, room_ids_for, room_title, session_of
from mentoring.chat.text import check_identifiers, clean_body, render_body
from mentoring.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind
from mentoring.realtime import emit_after_commit

EDIT_WINDOW = timedelta(minutes=15)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

register_kind("chat.mention", _l("%(author)s mentioned you in %(room)s"))
register_kind("chat.urgent", _l("Urgent message from %(author)s in %(room)s: please acknowledge"))


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


# --- messages ---------------------------------------------------------------

def _check_session_window(room: ChatRoom) -> None:
    """A session room takes questions from 15 minutes before the start to an
    hour after the end; the transcript stays readable."""
    session = session_of(room)
    now = clock.now()
    if session is None or session.status == "cancelled" or \
            not session.room_opens_at <= now <= session.room_closes_at:
        raise Conflict(_l("The session room is open from 15 minutes before the start until 1 hour after "
                          "the end. You can still read the questions."))


def message_payload(message: ChatMessage) -> dict:
    """What clients see of a message, live and in history alike."""
    deleted = message.deleted_at is not None
    return {
        "id": message.id, "room": message.room_id, "author": message.author_id,
        "author_name": message.author.full_name,
        "body": "" if deleted else message.body, "html": "" if deleted else render_body(message.body),
        "created_at": message.created_at.isoformat(), "client_id": message.client_id,
        "urgent": message.urgent, "deleted": deleted,
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "image": None if deleted or message.attachment is None else {
            "url": f"/chat/attachments/{message.attachment.id}",
            "thumb_url": f"/chat/attachments/{message.attachment.id}/thumb",
            "width": message.attachment.width, "height": message.attachment.height},
    }


def _rate_limiter():
    ext = current_app.extensions.setdefault("chat_rate", {})
    if "limiter" not in ext:
        from limits import storage, strategies
        uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        ext["limiter"] = strategies.MovingWindowRateLimiter(storage.storage_from_string(uri))
    return ext["limiter"]


def check_rate(user) -> None:
    """Flooding is answered, not dropped: the sender gets an error to show."""
    from limits import parse
    spec = current_app.config.get("MENTORING_CHAT_RATE_LIMIT", "20 per 10 seconds")
    if spec and not _rate_limiter().hit(parse(spec), "chat-message", str(user.id)):
        raise RateLimited(_l("You are sending messages too fast. Please wait a few seconds."))


def reset_rate_limits() -> None:
    limiter = current_app.extensions.get("chat_rate", {}).get("limiter")
    if limiter is not None:
        limiter.storage.reset()


def _resent(user, room: ChatRoom, client_id: str) -> ChatMessage | None:
    """The message this author already sent with this client_id, if any."""
    found = db.session.execute(select(ChatMessage).where(
        ChatMessage.author_id == user.id, ChatMessage.client_id == client_id)).unique().scalar_one_or_none()
    if found is not None and found.room_id != room.id:
        raise Conflict(_l("This message id was already used in another conversation."))
    return found


@functools.cache
def _insert_statement(dialect_name: str):
    """INSERT ... ON CONFLICT (author, client_id) DO NOTHING RETURNING, built
    once (the busiest statement there is; building it cost a third of it)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (dialect.insert(ChatMessage)
            .values({c: bindparam(c) for c in ("room_id", "author_id", "client_id", "body", "urgent",
                                               "created_at")})
            .on_conflict_do_nothing(index_elements=["author_id", "client_id"]).returning(ChatMessage)
            # The caller knows the author and that a new message has no picture yet.
            .options(lazyload(ChatMessage.author), lazyload(ChatMessage.attachment)))


def _insert_once(**values) -> ChatMessage | None:
    """The new message, or None when this author already sent this client_id
    (a resend, or the same resend racing this one). One statement, where a
    pre-check and a SAVEPOINT around the insert took three more round trips."""
    return db.session.scalars(_insert_statement(db.engine.dialect.name), values).first()


def post_message(user, room: ChatRoom, body, client_id=None, urgent: bool = False, image=None
                 ) -> tuple[ChatMessage, bool]:
    """Store a message (idempotent on the author's client_id) and queue its
    broadcast. `image`: an uploaded file (the body is then an optional
    caption). Returns (message, created). A resend of a stored message
    returns it, even if it would no longer pass (the session room closed,
    the rate limit): what the author sent once is not refused twice."""
    if not policy.allowed(user, "chat.room.view", room):
        raise NotFound(_l("This conversation does not exist."))
    if client_id is None:
        client_id = uuid.uuid4().hex
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise ValidationFailed(_l("The message id is not valid."), {"client_id": _l("Not a valid value.")})
    try:
        if room.kind == "session":
            _check_session_window(room)
        body = clean_body(body) if image is None or (isinstance(body, str) and body.strip()) else ""
        check_identifiers(room, body)
        if urgent and not policy.allowed(user, "chat.message.urgent", room):
            raise Forbidden(_l("Only a mentor or the person who asked can send an urgent message."))
        cleaned = _clean_image(image) if image is not None else None
    except ServiceError:
        found = _resent(user, room, client_id)
        if found is not None:
            return found, False
        raise
    now = clock.now()
    message = _insert_once(room_id=room.id, author_id=user.id, client_id=client_id, body=body,
                           urgent=bool(urgent), created_at=now)
    if message is None:
        return _resent(user, room, client_id), False
    # After the insert, so a resend is never counted; over the limit, the
    # door's rollback takes the new row away again.
    check_rate(user)
    # Known already: say so, rather than let the payload below ask the database.
    set_committed_value(message, "author", user)
    if cleaned is None:
        set_committed_value(message, "attachment", None)
    else:
        db.session.add(_store_image(message, cleaned))
    advance_read(user, room, message.id)
    emit_after_commit("message", message_payload(message), room=room.socket_room)
    if "@" not in body and not message.urgent:
        return message, True  # the common case: no one to notify, no more queries
    link = f"/chat/{room.id}#m{message.id}"
    members = [u for u in active_members(room) if u.id != user.id]
    params = {"author": user.full_name, "room": room_title(room)}
    mentioned = [u for u in members if _mentions(body, u)]
    if mentioned:
        notify(mentioned, "chat.mention", params, link)
    if message.urgent and members:
        db.session.add_all([ChatAcknowledgement(message_id=message.id, user_id=u.id,
                                                due_at=now + REMINDER_EVERY) for u in members])
        notify(members, "chat.urgent", params, link)
    db.session.flush()
    return message, True


def _clean_image(stream) -> uploads.CleanFile:
    """The shared pipeline (mentoring.uploads), images only in chat."""
    return uploads.read_upload(stream, accept=uploads.IMAGE_TYPES)


def _store_image(message: ChatMessage, clean: uploads.CleanFile) -> ChatAttachment:
    """Files are written now and removed again if the transaction rolls back (the pipeline's rule)."""
    name, thumb_name = uploads.store(clean, prefix="chat-")
    return ChatAttachment(message=message, content_type=clean.content_type, stored_name=name,
                          thumb_name=thumb_name, size=len(clean.body), width=clean.width, height=clean.height)


def attachment_file(user, attachment_id: int, thumb: bool = False) -> tuple[str, str]:
    """(stored name, content type) of an image the user may see; otherwise "not found"."""
    attachment = db.session.get(ChatAttachment, attachment_id)
    if attachment is None or attachment.message.deleted_at is not None or \
            not policy.allowed(user, "chat.room.view", attachment.message.room):
        raise NotFound(_l("This message does not exist."))
    if thumb:
        return attachment.thumb_name, "image/jpeg"
    return attachment.stored_name, attachment.content_type


def _mentions(body: str, user: User) -> bool:
    """@Full Name or @local-part-of-email, case-insensitively."""
    text = body.casefold()
    if "@" + user.full_name.casefold() in text:
        return True
    local = user.email.split("@")[0].casefold()
    return re.search(r"(?<![\w@])@" + re.escape(local) + r"(?![\w.-]*\w)", text) is not None


def _changeable(user, message_id) -> ChatMessage:
    message = get_message(user, message_id)
    if not policy.allowed(user, "chat.message.change", message):
        raise Forbidden(_l("You can change only your own messages."))
    if message.deleted_at is not None:
        raise Conflict(_l("This message was deleted."))
    if clock.now() - message.created_at > EDIT_WINDOW:
        raise Conflict(_l("Messages can be changed only in the first 15 minutes."))
    return message


def edit_message(user, message_id, body) -> ChatMessage:
    message = _changeable(user, message_id)
    body = clean_body(body)
    check_identifiers(message.room, body)
    message.body = body
    message.edited_at = clock.now()
    db.session.flush()
    emit_after_commit("message_edited", message_payload(message), room=message.room.socket_room)
    return message


def delete_message(user, message_id) -> ChatMessage:
    """Soft delete: the row (and its id, receipts) stays; nobody sees the text."""
    message = _changeable(user, message_id)
    now = clock.now()
    message.deleted_at = now
    for ack in acknowledgements_of(message):
        if ack.done_at is None:
            ack.done_at = now
    db.session.flush()
    emit_after_commit("message_deleted", {"id": message.id, "room": message.room_id},
                      room=message.room.socket_room)
    return message


# --- presence ---------------------------------------------------------------

def presence_changes(user_id: int, online: bool) -> list[tuple[str, dict, str]]:
    """(event, payload, socket room) for each room the user belongs to."""
    user = db.session.get(User, user_id)
    if user is None:
        return []
    return [("presence", {"room": rid, "user": user_id, "user_name": user.full_name, "online": online},
             f"chat:{rid}") for rid in room_ids_for(user)]


def parse_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationFailed(_l("Not a valid value."), {name: _l("Not a valid value.")})
    try:
        return id_arg(value)
    except ValueError:
        raise ValidationFailed(_l("Not a valid value."), {name: _l("Not a valid value.")}) from None
