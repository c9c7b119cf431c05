"""Socket.IO plumbing shared by every domain: who is on this socket, and
pushes that leave only after the data they announce is committed.

A service calls `emit_after_commit(...)` instead of socketio.emit: if the
door rolls back, nothing is pushed; if it commits, the push follows. With
REDIS_URL set, socketio.emit goes through the Redis queue, so a push from
the scheduler process or another web process reaches every client."""
from flask import request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentoring.extensions import db, socketio

_PENDING = "realtime_pending"
_socket_users: dict[str, int] = {}  # sid -> user id, for this process's sockets


def emit_after_commit(event_name: str, payload: dict, room: str, namespace: str = "/") -> None:
    db.session.info.setdefault(_PENDING, []).append((event_name, payload, room, namespace))


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    pending = session.info.pop(_PENDING, [])
    for event_name, payload, room, namespace in pending:
        socketio.emit(event_name, payload, to=room, namespace=namespace)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING, None)


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def socket_user():
    """The user of the current socket, loaded fresh: the login may have been
    ended (deactivated, password changed) since the socket connected."""
    from mentoring.auth.models import User
    user_id = _socket_users.get(request.sid)
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


@socketio.on("connect")
def _connect(auth=None):
    from mentoring.auth.services import user_for_token
    user = None
    if isinstance(auth, dict) and auth.get("token"):
        user = user_for_token(str(auth["token"]))
    elif current_user.is_authenticated:
        user = current_user
    if user is None:
        raise ConnectionRefusedError("unauthorized")
    _socket_users[request.sid] = user.id
    join_room(user_room(user.id))
    for handler in _on_connect:
        handler(user)


@socketio.on("disconnect")
def _disconnect(*_args):
    user_id = _socket_users.pop(request.sid, None)
    for handler in _on_disconnect:
        handler(user_id)


_on_connect: list = []
_on_disconnect: list = []


def on_connect(fn):
    """Let a domain (chat presence) act when an authenticated socket connects."""
    _on_connect.append(fn)
    return fn


def on_disconnect(fn):
    _on_disconnect.append(fn)
    return fn
