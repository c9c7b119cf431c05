"""The transport alone, in Python: python-socketio on gevent with the
reference protocol of bench/node_ref.js ("join {room}" -> ack {ok, last_id};
"message {room, body, client_id}" -> ack {id} and a "message" broadcast to the
room). No Flask, no database, no auth. Run the way the production Socket.IO
processes run, so a difference from the app is the app's own work:

    .venv/bin/gunicorn -k gevent -w 1 --worker-connections 5000 -b 127.0.0.1:8302 bench.python_ref:app
    .venv/bin/python bench/socket_memory.py --app bench.python_ref:app   (memory while rooms chat)"""
import itertools
from datetime import datetime, timezone

import socketio

sio = socketio.Server(async_mode="gevent", cors_allowed_origins="*", ping_interval=25, ping_timeout=20)
_ids = itertools.count(1)
_last = 0


def _health(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


app = socketio.WSGIApp(sio, _health)


@sio.on("join")
def join(sid, data):
    sio.enter_room(sid, f"chat:{data['room']}")
    return {"ok": True, "room": data["room"], "last_id": _last}


@sio.on("message")
def message(sid, data):
    global _last
    _last = next(_ids)
    msg = {"id": _last, "room": data["room"], "body": data["body"], "client_id": data["client_id"],
           "created_at": datetime.now(timezone.utc).isoformat()}
    sio.emit("message", msg, to=f"chat:{data['room']}")
    return {"id": _last}
