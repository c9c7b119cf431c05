"""Chat rooms and messages."""
from mentoring.auth.policy import (allowed, current_group_ids, is_group_member, is_group_mentor, is_staff,
                                   rule)
from mentoring.extensions import db


def _case_of(room):
    from mentoring.chat.rooms import case_model
    Case = case_model()
    return db.session.get(Case, room.case_id) if Case is not None and room.case_id else None


@rule("chat.room.view")
def _view_chat_room(user, room) -> bool:
    """Join, read, post, type in a room: the group's members (staff oversee
    all groups), whoever may see the case or the teaching session, or one of
    the two people."""
    if room is None:
        return False
    if room.kind == "group":
        return is_staff(user) or is_group_member(user, room.group_id)
    if room.kind == "case":
        case = _case_of(room)
        return case is not None and allowed(user, "case.view", case)
    if room.kind == "direct":
        return user.id in (room.user_low_id, room.user_high_id)
    if room.kind == "session":
        from mentoring.chat.rooms import session_of
        session = session_of(room)
        return session is not None and allowed(user, "session.view", session)
    return False


@rule("chat.direct.start")
def _start_direct(user, other) -> bool:
    """Direct messages only between two people who share a current group."""
    if other is None or other.id == user.id or not other.active:
        return False
    return bool(current_group_ids(user) & current_group_ids(other))


@rule("chat.message.urgent")
def _mark_urgent(user, room) -> bool:
    """A mentor (of the room's group) or the case's asker may ask for acknowledgement."""
    if room is None or not _view_chat_room(user, room):
        return False
    if is_staff(user):
        return True
    if room.kind == "direct":
        return user.role == "mentor"
    if room.kind == "case":
        case = _case_of(room)
        if case is not None and case.asker_id == user.id:
            return True
    return room.group_id is not None and is_group_mentor(user, room.group_id)


@rule("chat.message.change")
def _change_message(user, message) -> bool:
    """Edit or delete: your own message only (the 15-minute window is a service rule)."""
    return message is not None and message.author_id == user.id
