"""Socket.IO doors of the chat (protocol in docs/api.md). Each handler reloads
the socket's user, asks the policy through the service, commits once, and
answers with an ack: the result, or {"error": {code, message, fields}}.
Bad input of any shape gets an error ack, never an exception."""
import functools
import logging
import random
import time

from flask import g, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_socketio import emit, join_room, leave_room
from sqlalchemy.exc import OperationalError

from mentoring.bounds import refuse_nul
from mentoring.chat import acknowledgements as acks
from mentoring.chat import reads, rooms, services
from mentoring.chat.presence import presence
from mentoring.errors import NotFound, ServiceError
from mentoring.extensions import db, socketio
from mentoring.realtime import on_connect, on_disconnect, room_guard, socket_user

log = logging.getLogger(__name__)


def _error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def door(fn):
    @functools.wraps(fn)
    def handler(*args):
        data = args[0] if args else None
        # Chat events write (messages, read marks): on SQLite the transaction
        # takes the write lock at BEGIN, before the user is even loaded.
        g.writes_data = True
        try:
            user = socket_user()
            if user is None:
                return _error("unauthorized", _("Please log in."))
            with force_locale(user.language):
                if not isinstance(data, dict):
                    return _error("bad_request", _("The request could not be understood."))
                try:
                    refuse_nul(data)
                    return _committed(fn, user, data)
                except ServiceError as err:
                    db.session.rollback()
                    return _error(err.code, err.message or _("The request could not be completed."),
                                  err.fields)
        except Exception:
            db.session.rollback()
            log.exception("chat event %s failed", fn.__name__)
            return _error("server_error", _("Something went wrong on our side. Your data was not changed."))
        finally:
            g.pop("writes_data", None)
    return handler


def _committed(fn, user, data, attempts: int = 8):
    """Run and commit. On SQLite the write lock was taken at BEGIN, waiting up
    to busy_timeout; a lock held longer (another process) is retried: every
    chat event is idempotent (client_id, monotonic read marks)."""
    for attempt in range(attempts):
        try:
            result = fn(user, data)
            db.session.commit()
            return result
        except OperationalError as err:
            db.session.rollback()
            if "database is locked" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1) + random.random() * 0.02)


def _room(user, data):
    room_id = services.parse_int(data.get("room"), "room")
    try:
        return rooms.room_for_viewer(user, room_id)
    except NotFound:
        leave_room(f"chat:{room_id}")  # lost access (left the group): stop the broadcasts too
        raise


@socketio.on("join")
@door
def join(user, data):
    room = _room(user, data)
    join_room(room.socket_room)
    members = rooms.member_ids(room)
    return {"ok": True, "room": room.id, "last_id": reads.last_id(room),
            "online": sorted(presence.online(members))}


@socketio.on("leave")
@door
def leave(user, data):
    leave_room(f"chat:{services.parse_int(data.get('room'), 'room')}")
    return {"ok": True}


@socketio.on("message")
@door
def message(user, data):
    # post_message asks the policy itself: fetch the room unchecked rather
    # than ask twice on the busiest event.
    room_id = services.parse_int(data.get("room"), "room")
    try:
        msg, created = services.post_message(user, rooms.get_room(room_id), data.get("body"),
                                             data.get("client_id"), urgent=bool(data.get("urgent")))
    except NotFound:
        leave_room(f"chat:{room_id}")
        raise
    return {"id": msg.id, "duplicate": not created}


_typing_seen: dict[tuple[str, int], float] = {}


@socketio.on("typing")
@door
def typing(user, data):
    room = _room(user, data)
    now = time.monotonic()
    key = (request.sid, room.id)
    if now - _typing_seen.get(key, 0.0) < 1.0:
        return {"ok": True}  # a flood of key presses becomes one indicator a second
    _typing_seen[key] = now
    if len(_typing_seen) > 10000:
        _typing_seen.clear()
    # Nothing is stored, so nothing waits for a commit.
    emit("typing", {"room": room.id, "user": user.id, "user_name": user.full_name},
         to=room.socket_room, include_self=False)
    return {"ok": True}


@socketio.on("read")
@door
def read(user, data):
    room = _room(user, data)
    reads.mark_read(user, room, services.parse_int(data.get("message_id"), "message_id"))
    return {"ok": True}


@socketio.on("edit")
@door
def edit(user, data):
    msg = services.edit_message(user, services.parse_int(data.get("id"), "id"), data.get("body"))
    return {"ok": True, "id": msg.id}


@socketio.on("delete")
@door
def delete(user, data):
    msg = services.delete_message(user, services.parse_int(data.get("id"), "id"))
    return {"ok": True, "id": msg.id}


@socketio.on("acknowledge")
@door
def acknowledge(user, data):
    acks.acknowledge(user, services.parse_int(data.get("message_id"), "message_id"))
    return {"ok": True}


@socketio.on("acknowledgements")
@door
def acknowledgements(user, data):
    return acks.acknowledgement_status(user, services.parse_int(data.get("message_id"), "message_id"))


@room_guard("chat:")
def _may_stay(user, room_name: str) -> bool:
    """Asked when someone's access changed (left a group, ...) and by the
    sweep: a socket stays in a chat room only while its user may read it."""
    try:
        rooms.room_for_viewer(user, int(room_name.split(":", 1)[1]))
    except (NotFound, ValueError):
        return False
    return True


@on_connect
def _online(user):
    if presence.connect(user.id, request.sid):
        _announce(user.id, True)


@on_disconnect
def _offline(user_id):
    if user_id is not None and presence.disconnect(user_id, request.sid):
        _announce(user_id, False)


def _announce(user_id: int, online: bool) -> None:
    try:
        for event, payload, room in services.presence_changes(user_id, online):
            socketio.emit(event, payload, to=room)
    except Exception:  # presence is a courtesy; never let it break a connection
        db.session.rollback()
        log.exception("presence update failed")
