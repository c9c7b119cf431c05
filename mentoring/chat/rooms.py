"""Chat rooms: finding them, creating them once (group, case, session and
direct rooms), their titles and members, and the room list with unread
counts. Its own module because messages, read marks, acknowledgements, the
policy rules and the home page all need a room, and none of them need the
rest of each other."""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from mentoring import clock
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.chat.models import ChatMessage, ChatReadState, ChatRoom
from mentoring.chat.presence import presence
from mentoring.errors import NotFound
from mentoring.extensions import db
from mentoring.org.models import GroupMembership, MentoringGroup


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


def active_members(room: ChatRoom) -> list[User]:
    """The accounts of member_ids(room) that are still active."""
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
