"""Every chat rule, once. Events, API, pages and jobs call these; they flush,
the door commits, and pushes leave after the commit (emit_after_commit)."""
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import nh3
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from mentoring import clock, uploads
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.bounds import id_arg
from mentoring.chat.models import (MAX_BODY, ChatAcknowledgement, ChatAttachment, ChatMessage,
                                   ChatReadState, ChatRoom)
from mentoring.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind
from mentoring.org.models import GroupMembership, MentoringGroup
from mentoring.chat.presence import presence
from mentoring.realtime import emit_after_commit

EDIT_WINDOW = timedelta(minutes=15)
REMINDER_EVERY = timedelta(minutes=5)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)

register_kind("chat.mention", _l("%(author)s mentioned you in %(room)s"))
register_kind("chat.urgent", _l("Urgent message from %(author)s in %(room)s: please acknowledge"))
register_kind("chat.urgent_reminder",
              _l("Reminder: %(author)s is waiting for you to acknowledge an urgent message in %(room)s"))


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


def case_model():
    """The cases domain's Case model, or None while that domain does not exist."""
    try:
        from mentoring.cases.models import Case
    except ImportError:
        return None
    return Case


def session_model():
    """The sessions domain's TeachingSession model, or None while that domain does not exist."""
    try:
        from mentoring.sessions.models import TeachingSession
    except ImportError:
        return None
    return TeachingSession


# --- rooms ------------------------------------------------------------------

def get_room(room_id) -> ChatRoom:
    room = db.session.get(ChatRoom, room_id) if isinstance(room_id, int) else None
    if room is None:
        raise NotFound(_l("This conversation does not exist."))
    return room


def room_for_viewer(user, room_id) -> ChatRoom:
    """The room, if `user` may be in it; otherwise "not found" (ids tell nothing)."""
    room = get_room(room_id)
    if not policy.allowed(user, "chat.room.view", room):
        raise NotFound(_l("This conversation does not exist."))
    return room


def _create_once(make, find) -> ChatRoom:
    """Lazy creation that tolerates a concurrent creator (unique constraints)."""
    found = find()
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            room = make()
            db.session.add(room)
        return room
    except IntegrityError:
        return find()


def room_for_group(group: MentoringGroup) -> ChatRoom:
    return _create_once(
        lambda: ChatRoom(kind="group", group_id=group.id, created_at=clock.now()),
        lambda: db.session.execute(select(ChatRoom).where(
            ChatRoom.kind == "group", ChatRoom.group_id == group.id)).scalar_one_or_none())


def room_for_case(case) -> ChatRoom:
    """A case's discussion room, created on first use."""
    return _create_once(
        lambda: ChatRoom(kind="case", case_id=case.id, group_id=case.group_id, created_at=clock.now()),
        lambda: db.session.execute(select(ChatRoom).where(ChatRoom.case_id == case.id))
        .scalar_one_or_none())


def room_for_session(session) -> ChatRoom:
    """A teaching session's live room (questions during the talk), created on first use."""
    return _create_once(
        lambda: ChatRoom(kind="session", session_id=session.id, created_at=clock.now()),
        lambda: db.session.execute(select(ChatRoom).where(ChatRoom.session_id == session.id))
        .scalar_one_or_none())


def session_of(room: ChatRoom):
    model = session_model()
    return db.session.get(model, room.session_id) if model is not None and room.session_id else None


def _check_session_window(room: ChatRoom) -> None:
    """A session room takes questions from 15 minutes before the start to an
    hour after the end; the transcript stays readable."""
    session = session_of(room)
    now = clock.now()
    if session is None or session.status == "cancelled" or \
            not session.room_opens_at <= now <= session.room_closes_at:
        raise Conflict(_l("The session room is open from 15 minutes before the start until 1 hour after "
                          "the end. You can still read the questions."))


def room_for_direct(user, other: User | None) -> ChatRoom:
    """The direct room of two people. Someone who does not exist and someone
    you may not write to get the same answer: an id tells nothing."""
    if other is None or not policy.allowed(user, "chat.direct.start", other):
        raise NotFound(_l("You can send direct messages only to people who share a group with you."))
    low, high = sorted((user.id, other.id))
    return _create_once(
        lambda: ChatRoom(kind="direct", user_low_id=low, user_high_id=high, created_at=clock.now()),
        lambda: db.session.execute(select(ChatRoom).where(
            ChatRoom.user_low_id == low, ChatRoom.user_high_id == high)).scalar_one_or_none())


def room_title(room: ChatRoom, user=None, case=None) -> str:
    if room.kind == "group":
        return room.group.name
    if room.kind == "case":
        return str(_l("Case #%(id)s", id=room.case_id))
    if room.kind == "session":
        session = session_of(room)
        return session.title if session is not None else str(_l("Teaching session"))
    other = room.other_user(user) if user is not None else None
    return other.full_name if other is not None else str(_l("Direct messages"))


def member_ids(room: ChatRoom) -> set[int]:
    """Who belongs in the room (for presence, mentions and urgent recipients)."""
    if room.kind == "direct":
        return {room.user_low_id, room.user_high_id}
    if room.kind == "session":
        from mentoring.sessions.audience import invited_ids
        return invited_ids([room.session_id]).get(room.session_id, set())
    ids = set(db.session.execute(select(GroupMembership.user_id).where(
        GroupMembership.group_id == room.group_id, GroupMembership.left_on.is_(None))).scalars())
    if room.kind == "case":
        users = db.session.execute(select(User).where(User.id.in_(ids))).unique().scalars()
        ids = {u.id for u in users if policy.allowed(u, "chat.room.view", room)}
    return ids


def _members(room: ChatRoom) -> list[User]:
    ids = member_ids(room)
    return list(db.session.execute(select(User).where(User.id.in_(ids), User.active.is_(True))
                                   ).unique().scalars())


def room_ids_for(user) -> list[int]:
    """Every room the user belongs to (existing rooms only; no writes)."""
    groups = policy.current_group_ids(user)
    rooms = db.session.execute(select(ChatRoom).where(or_(
        and_(ChatRoom.kind == "group", ChatRoom.group_id.in_(groups)),
        and_(ChatRoom.kind == "case", ChatRoom.group_id.in_(groups)),
        ChatRoom.user_low_id == user.id, ChatRoom.user_high_id == user.id))).scalars()
    return [r.id for r in rooms if r.kind != "case" or policy.allowed(user, "chat.room.view", r)]


@dataclass
class RoomSummary:
    room: ChatRoom
    title: str
    unread: int = 0
    last_message: ChatMessage | None = None
    online: list[int] = field(default_factory=list)

    @property
    def id(self):
        return self.room.id


def unread_counts(user, room_ids):
    """(room id, messages unread by `user`) for the rooms in `room_ids` (a list
    or a subquery) that have any. Driven from the rooms, so each room's count
    is an index range scan on (room_id, id > last read): filtering messages by
    `room_id IN (...)` first made PostgreSQL read the whole 10-million-row
    table at national size (bench/RESULTS.md, issue 12)."""
    read = ChatReadState
    return (select(ChatRoom.id, func.count())
            .select_from(ChatRoom)
            .outerjoin(read, and_(read.room_id == ChatRoom.id, read.user_id == user.id))
            .join(ChatMessage, and_(ChatMessage.room_id == ChatRoom.id,
                                    ChatMessage.id > func.coalesce(read.last_read_id, 0)))
            .where(ChatRoom.id.in_(room_ids), ChatMessage.author_id != user.id,
                   ChatMessage.deleted_at.is_(None))
            .group_by(ChatRoom.id))


def rooms_for(user) -> list[RoomSummary]:
    """The room list: one per current group (created if missing), the user's
    direct rooms and the case rooms they may see, with unread count, last
    message and who is online. A fixed number of queries, whatever the count."""
    group_ids = policy.current_group_ids(user)
    have = set(db.session.execute(select(ChatRoom.group_id).where(
        ChatRoom.kind == "group", ChatRoom.group_id.in_(group_ids))).scalars())
    for group_id in group_ids - have:
        room_for_group(db.session.get(MentoringGroup, group_id))
    db.session.flush()
    ids = room_ids_for(user)
    rooms = db.session.execute(select(ChatRoom).where(ChatRoom.id.in_(ids)).options(
        joinedload(ChatRoom.group), joinedload(ChatRoom.user_low), joinedload(ChatRoom.user_high))
    ).unique().scalars().all()
    last_ids = dict(db.session.execute(select(ChatMessage.room_id, func.max(ChatMessage.id))
                                       .where(ChatMessage.room_id.in_(ids))
                                       .group_by(ChatMessage.room_id)).all())
    last = {m.room_id: m for m in db.session.execute(select(ChatMessage).where(
        ChatMessage.id.in_(list(last_ids.values())))).unique().scalars()}
    unread = dict(db.session.execute(unread_counts(user, ids)).all())
    group_members: dict[int, set[int]] = {}
    for group_id, user_id in db.session.execute(select(
            GroupMembership.group_id, GroupMembership.user_id).where(
            GroupMembership.group_id.in_({r.group_id for r in rooms if r.group_id}),
            GroupMembership.left_on.is_(None))):
        group_members.setdefault(group_id, set()).add(user_id)
    everyone = set().union(*group_members.values(), *[
        {r.user_low_id, r.user_high_id} for r in rooms if r.kind == "direct"])
    online = presence.online(everyone)
    summaries = []
    for room in rooms:
        members = ({room.user_low_id, room.user_high_id} if room.kind == "direct"
                   else group_members.get(room.group_id, set()))
        summaries.append(RoomSummary(room=room, title=room_title(room, user),
                                     unread=unread.get(room.id, 0), last_message=last.get(room.id),
                                     online=sorted(members & online)))
    kind_order = {"group": 0, "case": 1, "direct": 2}
    summaries.sort(key=lambda s: (-(s.last_message.id if s.last_message else 0),
                                  kind_order[s.room.kind], s.title))
    return summaries


# --- messages ---------------------------------------------------------------

def clean_body(raw) -> str:
    if not isinstance(raw, str):
        raise ValidationFailed(_l("Please write a message."), {"body": _l("Please write a message.")})
    if len(raw) > 2 * MAX_BODY:
        # Length first, before any pattern: a padded body may shrink, a huge one is refused unread.
        msg = _l("A message can be at most %(n)s characters.", n=MAX_BODY)
        raise ValidationFailed(msg, {"body": msg})
    body = _CONTROL.sub("", raw.replace("\r\n", "\n")).strip()
    if not body:
        raise ValidationFailed(_l("Please write a message."), {"body": _l("Please write a message.")})
    if len(body) > MAX_BODY:
        msg = _l("A message can be at most %(n)s characters.", n=MAX_BODY)
        raise ValidationFailed(msg, {"body": msg})
    return body


def check_identifiers(room: ChatRoom, body: str) -> None:
    """Case, group and teaching-session rooms are where patients are
    discussed: the same identifier check as a case's text (phone, ID,
    insurance, e-mail, a name after "bệnh nhân"). Direct messages between
    two colleagues are left alone."""
    if room.kind == "direct" or not body:
        return
    from mentoring.cases.deident import identifier_in
    if message := identifier_in(body):
        raise ValidationFailed(message, {"body": message})


# Characters that end a sentence or close a quote or bracket around a link
# rather than belong to it: "xem (https://a.vn/b)." links https://a.vn/b.
_TRAILING = frozenset(".,;:!?'\")]}>»”’…")
_OPENER = {")": "(", "]": "[", "}": "{"}


def _link_end(url: str) -> int:
    """Where the link stops: trailing punctuation and closing quotes stay
    outside; a closing bracket stays inside only when the link opened it
    (https://vi.wikipedia.org/wiki/Sốt_(bệnh)). One pass from the end."""
    opened = {opener: url.count(opener) for opener in "([{"}
    closed = {closer: url.count(closer) for closer in _OPENER}
    end, keep = len(url), url.index("//") + 3   # never cut into the scheme and host's first letter
    while end > keep:
        char = url[end - 1]
        if char in _OPENER:
            if closed[char] <= opened[_OPENER[char]]:
                break
            closed[char] -= 1
        elif char not in _TRAILING:
            break
        end -= 1
    return end


def render_body(body: str) -> str:
    """Escaped text with links made clickable and line breaks kept; nh3 has
    the last word. Links are found in the text as typed, then every piece is
    escaped: found in escaped text, a closing quote ("&#34;") became part of
    the link."""
    parts, at = [], 0
    for match in _URL.finditer(body):
        url = match.group(0)
        end = _link_end(url)
        url, trail = url[:end], url[end:]
        parts += [str(escape(body[at:match.start()])),
                  f'<a href="{escape(url)}" target="_blank">{escape(url)}</a>', str(escape(trail))]
        at = match.end()
    parts.append(str(escape(body[at:])))
    html = "".join(parts).replace("\n", "<br>")
    return nh3.clean(html, tags={"a", "br"}, attributes={"a": {"href", "target"}},
                     link_rel="noopener noreferrer nofollow", url_schemes={"http", "https"})


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


def _existing(user, client_id: str) -> ChatMessage | None:
    return db.session.execute(select(ChatMessage).where(
        ChatMessage.author_id == user.id, ChatMessage.client_id == client_id)).unique().scalar_one_or_none()


def post_message(user, room: ChatRoom, body, client_id=None, urgent: bool = False, image=None
                 ) -> tuple[ChatMessage, bool]:
    """Store a message (idempotent on the author's client_id) and queue its
    broadcast. `image`: an uploaded file (the body is then an optional
    caption). Returns (message, created)."""
    if not policy.allowed(user, "chat.room.view", room):
        raise NotFound(_l("This conversation does not exist."))
    if client_id is None:
        client_id = uuid.uuid4().hex
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise ValidationFailed(_l("The message id is not valid."), {"client_id": _l("Not a valid value.")})
    found = _existing(user, client_id)
    if found is not None:
        if found.room_id != room.id:
            raise Conflict(_l("This message id was already used in another conversation."))
        return found, False
    if room.kind == "session":
        _check_session_window(room)
    body = clean_body(body) if image is None or (isinstance(body, str) and body.strip()) else ""
    check_identifiers(room, body)
    if urgent and not policy.allowed(user, "chat.message.urgent", room):
        raise Forbidden(_l("Only a mentor or the person who asked can send an urgent message."))
    check_rate(user)
    cleaned = _clean_image(image) if image is not None else None
    now = clock.now()
    try:
        with db.session.begin_nested():
            message = ChatMessage(room_id=room.id, author_id=user.id, client_id=client_id, body=body,
                                  urgent=bool(urgent), created_at=now)
            message.author = user
            db.session.add(message)
            if cleaned is not None:
                db.session.add(_store_image(message, cleaned))
    except IntegrityError:  # the same resend raced us; its row wins
        found = _existing(user, client_id)
        if found is None:
            raise
        return found, False
    if cleaned is None:
        # A new message without a picture has no attachment: say so, rather
        # than let the payload below ask the database.
        set_committed_value(message, "attachment", None)
    _advance_read(user, room, message.id)
    emit_after_commit("message", message_payload(message), room=room.socket_room)
    if "@" not in body and not message.urgent:
        return message, True  # the common case: no one to notify, no more queries
    link = f"/chat/{room.id}#m{message.id}"
    members = [u for u in _members(room) if u.id != user.id]
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


def get_message(user, message_id) -> ChatMessage:
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) else None
    if message is None or not policy.allowed(user, "chat.room.view", message.room):
        raise NotFound(_l("This message does not exist."))
    return message


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
    for ack in _acks(message):
        if ack.done_at is None:
            ack.done_at = now
    db.session.flush()
    emit_after_commit("message_deleted", {"id": message.id, "room": message.room_id},
                      room=message.room.socket_room)
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

def _advance_read(user, room: ChatRoom, message_id: int) -> bool:
    # The common case (a mark that exists and moves forward) in one statement;
    # the mark never moves back, whoever else moves it at the same time.
    moved = db.session.execute(
        update(ChatReadState)
        .where(ChatReadState.room_id == room.id, ChatReadState.user_id == user.id,
               ChatReadState.last_read_id < message_id)
        .values(last_read_id=message_id, updated_at=clock.now())
        .execution_options(synchronize_session=False)).rowcount
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
    if not _advance_read(user, room, message_id):
        return None
    db.session.flush()
    emit_after_commit("read", {"room": room.id, "user": user.id, "user_name": user.full_name,
                               "message_id": message_id}, room=room.socket_room)
    return message_id


def read_marks(room: ChatRoom) -> dict[int, int]:
    """{user id: last read message id}: message N is seen by those with mark >= N."""
    return dict(db.session.execute(select(ChatReadState.user_id, ChatReadState.last_read_id)
                                   .where(ChatReadState.room_id == room.id)).all())


# --- urgent messages --------------------------------------------------------

def _acks(message: ChatMessage) -> list[ChatAcknowledgement]:
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
    for ack in _acks(message):
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

