"""Unread chat for the home page: how many messages wait, and in which
rooms. Four queries whatever the number of rooms: the case rooms are
filtered by policy.scope_cases in SQL rather than room by room."""
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from mentoring.auth import policy
from mentoring.cases.models import Case
from mentoring.chat.models import ChatRoom
from mentoring.chat.rooms import room_title, unread_counts
from mentoring.extensions import db
from mentoring.org.models import GroupMembership


@dataclass
class UnreadRoom:
    room: ChatRoom
    title: str
    unread: int


def _my_rooms(user):
    """Ids of the group, case and direct rooms of the user (session rooms
    are reached from the session, as in the room list)."""
    groups = select(GroupMembership.group_id).where(GroupMembership.user_id == user.id,
                                                    GroupMembership.left_on.is_(None))
    visible_cases = policy.scope_cases(user, select(Case.id))
    return select(ChatRoom.id).where(or_(
        and_(ChatRoom.kind == "group", ChatRoom.group_id.in_(groups)),
        and_(ChatRoom.kind == "case", ChatRoom.group_id.in_(groups), ChatRoom.case_id.in_(visible_cases)),
        ChatRoom.user_low_id == user.id, ChatRoom.user_high_id == user.id))


def unread_rooms(user, limit: int = 3) -> tuple[int, list[UnreadRoom]]:
    """(messages unread in all rooms, the `limit` rooms with most unread)."""
    # The ids first, as a list: given the OR'd subquery instead, PostgreSQL
    # expects thousands of rooms and hash-joins the whole message table (4 s
    # at national size, bench/RESULTS.md issue 12); with the list it walks
    # (room_id, id) in each of the user's few rooms.
    room_ids = db.session.execute(_my_rooms(user)).scalars().all()
    if not room_ids:
        return 0, []
    counts = db.session.execute(unread_counts(user, room_ids)).all()
    total = sum(n for _room_id, n in counts)
    top = sorted(counts, key=lambda row: (-row[1], row[0]))[:limit]
    if not top:
        return total, []
    rooms = {r.id: r for r in db.session.execute(
        select(ChatRoom).where(ChatRoom.id.in_([room_id for room_id, _n in top])).options(
            joinedload(ChatRoom.group), joinedload(ChatRoom.user_low), joinedload(ChatRoom.user_high))
    ).unique().scalars()}
    return total, [UnreadRoom(room=rooms[room_id], title=room_title(rooms[room_id], user), unread=n)
                   for room_id, n in top if room_id in rooms]
