"""Socket.IO plumbing shared by every domain: who is on this socket, and
pushes that leave only after the data they announce is committed.

A service calls `emit_after_commit(...)` instead of socketio.emit: if the
door rolls back, nothing is pushed; if it commits, the push follows. With
REDIS_URL set, socketio.emit goes through the Redis queue, so a push from
the scheduler process or another web process reaches every client.

Access that ends ends on open sockets too. Each socket remembers what it
logged in with (the login cookie's version or the token's hash) and every
event checks it again (`socket_user`). When a service ends someone's access
(logout, password change, deactivation, a revoked token, leaving a group) it
calls `recheck_after_commit(user_id)`: after the commit, every process
re-checks that person's sockets, drops those whose login ended and takes the
others out of the rooms they may no longer read. Sockets live in the
process that accepted them, so the request travels on a Redis channel of its
own when REDIS_URL is set (the Socket.IO queue carries only pushes to
clients). A sweep in each process re-checks every socket every few minutes
(MENTORING_SOCKET_RECHECK_SECONDS) for what no one announces: a token
that simply expired, a message lost while Redis was away."""
import json
import logging
import threading

from flask import current_app, request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentoring.extensions import db, socketio

log = logging.getLogger(__name__)

_PENDING = "realtime_pending"
_RECHECK = "realtime_recheck"
RECHECK_CHANNEL = "mentoring:realtime:recheck"
# sid -> (user id, "session" | "token", auth version | token hash), this process's sockets
_socket_users: dict[str, tuple[int, str, object]] = {}
# room name prefix -> may(user, room name): who may stay in a domain's rooms
_room_guards: dict[str, object] = {}


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
    session.info.pop(_RECHECK, None)


def recheck_after_commit(user_id: int) -> None:
    """Once this unit of work commits, re-check this person's open sockets
    in every process (their login or a room's access may have ended)."""
    db.session.info.setdefault(_RECHECK, set()).add(user_id)


@event.listens_for(Session, "after_commit")
def _send_rechecks(session):
    user_ids = session.info.pop(_RECHECK, None)
    if not user_ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return  # no app: no sockets in this process, nobody to tell
    try:
        url = app.config.get("REDIS_URL")
        if url:
            _redis(url).publish(_channel(app), json.dumps(sorted(user_ids)))
        else:
            # One process: its own sockets are all there is. A fresh app
            # context gives a session of its own (this one has just committed).
            with app.app_context():
                recheck_sockets(user_ids)
    except Exception:  # the sweep catches up; never fail the commit that ended access
        log.exception("re-checking the sockets of %s failed", sorted(user_ids))


def room_guard(prefix: str):
    """Register who may stay in rooms named `prefix...`: fn(user, room) -> bool."""
    def register(fn):
        _room_guards[prefix] = fn
        return fn
    return register


def recheck_sockets(user_ids=None) -> int:
    """Re-check this process's sockets (of `user_ids`, or all): disconnect
    those whose login ended, take the others out of rooms they may no longer
    read. Returns how many sockets were disconnected or moved."""
    from mentoring.auth.services import user_for_credential
    server = socketio.server
    changed = 0
    try:
        for sid, (user_id, kind, value) in list(_socket_users.items()):
            if user_ids is not None and user_id not in user_ids:
                continue
            user = user_for_credential(user_id, kind, value)
            if user is None:
                server.disconnect(sid, namespace="/", ignore_queue=True)
                _socket_users.pop(sid, None)
                changed += 1
                continue
            for room in server.rooms(sid, namespace="/"):
                guard = next((fn for prefix, fn in _room_guards.items()
                              if isinstance(room, str) and room.startswith(prefix)), None)
                if guard is not None and not guard(user, room):
                    server.leave_room(sid, room, namespace="/")
                    changed += 1
    finally:
        db.session.rollback()
    return changed


def _channel(app) -> str:
    return RECHECK_CHANNEL + ":" + (app.config.get("MENTORING_SOCKETIO_CHANNEL") or "flask-socketio")


_redis_clients: dict[str, object] = {}


def _redis(url: str):
    if url not in _redis_clients:
        import redis
        _redis_clients[url] = redis.Redis.from_url(url)
    return _redis_clients[url]


_watchers: dict[int, bool] = {}
_watch_lock = threading.Lock()


def _ensure_watchers(app) -> None:
    """Once per app in a process that accepts sockets: listen for re-check
    requests (with Redis) and sweep every few minutes."""
    with _watch_lock:
        if _watchers.get(id(app)):
            return
        _watchers[id(app)] = True
    url = app.config.get("REDIS_URL")
    if url:
        # Subscribed before the first socket is accepted, so no request made
        # after it connected can be missed.
        pubsub = _redis(url).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(_channel(app))
        socketio.start_background_task(_listen, app, pubsub)
    socketio.start_background_task(_sweep, app)


def _listen(app, pubsub) -> None:
    while True:
        try:
            for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    user_ids = {int(u) for u in json.loads(message["data"])}
                except (ValueError, TypeError):
                    continue
                with app.app_context():
                    recheck_sockets(user_ids)
        except Exception:  # Redis away for a moment: the sweep covers the gap
            log.exception("socket re-check listener failed; listening again")
            socketio.sleep(5)
            try:
                pubsub.subscribe(_channel(app))
            except Exception:
                pass


def _sweep(app) -> None:
    seconds = float(app.config.get("MENTORING_SOCKET_RECHECK_SECONDS") or 180)
    while True:
        socketio.sleep(seconds)
        try:
            with app.app_context():
                recheck_sockets()
        except Exception:
            log.exception("socket sweep failed")


def without_websocket_compression(wsgi_app):
    """WSGI middleware: no permessage-deflate on our websockets.

    simple-websocket accepts the extension whenever the client offers it (every
    browser does), and each socket then keeps a zlib compressor with a 32 KiB
    window and 256 KiB of state, plus a decompressor: measured with memray, 128
    of a Socket.IO process's 205 MiB at 500 sockets, its resident size creeping
    up as each window fills (bench/socket_memory.py, bench/RESULTS.md). A chat
    event is a few hundred bytes, and every delivery was compressed once per
    receiving socket. socket.io's own server ships with the extension off for
    the same reason. Dropping the offer before the handshake is read leaves
    the websocket plain; pages stay compressed by nginx."""
    def app(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)
    return app


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def socket_user():
    """The user of the current socket, loaded fresh, if what the socket
    logged in with still holds: the login may have ended (logout, password
    change, deactivation, token revoked or expired) since it connected."""
    from mentoring.auth.services import user_for_credential
    found = _socket_users.get(request.sid)
    if found is None:
        return None
    return user_for_credential(*found)


@socketio.on("connect")
def _connect(auth=None):
    from mentoring.auth.services import token_hash, user_for_token
    user = None
    if isinstance(auth, dict) and auth.get("token"):
        user = user_for_token(str(auth["token"]))
        credential = ("token", token_hash(str(auth["token"])))
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
        credential = ("session", user.auth_version)
    if user is None:
        raise ConnectionRefusedError("unauthorized")
    _ensure_watchers(current_app._get_current_object())
    _socket_users[request.sid] = (user.id, *credential)
    join_room(user_room(user.id))
    for handler in _on_connect:
        handler(user)


@socketio.on("disconnect")
def _disconnect(*_args):
    found = _socket_users.pop(request.sid, None)
    user_id = found[0] if found else None
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
