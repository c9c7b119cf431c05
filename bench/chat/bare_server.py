"""The ceiling: a bare python-socketio server, no database, no auth, the
same stack as ours (threading + simple-websocket on werkzeug, Redis queue).
`python bench/chat/bare_server.py PORT REDIS_URL CHANNEL`"""
import itertools
import sys

import socketio
from werkzeug.serving import run_simple

port, redis_url, channel = int(sys.argv[1]), sys.argv[2], sys.argv[3]
manager = socketio.RedisManager(redis_url, channel=channel) if redis_url else None
sio = socketio.Server(async_mode="threading", client_manager=manager)
ids = itertools.count(1)


@sio.on("join")
def join(sid, data):
    sio.enter_room(sid, f"chat:{data['room']}")
    return {"ok": True, "last_id": 0}


@sio.on("message")
def message(sid, data):
    payload = {"id": next(ids), "room": data["room"], "author": 0, "body": data["body"],
               "client_id": data["client_id"], "created_at": ""}
    sio.emit("message", payload, to=f"chat:{data['room']}")
    return {"id": payload["id"]}


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    return sockets(environ, start_response)


sockets = socketio.WSGIApp(sio)

if __name__ == "__main__":
    run_simple("127.0.0.1", port, app, threaded=True)
