"""Who is online: a socket count per person, in this process (one server)
or in Redis (several processes), so every process agrees."""
import threading

from flask import current_app


class _MemoryPresence:
    """One process: who has at least one socket open."""

    def __init__(self):
        self._sids: dict[int, set[str]] = {}
        self._lock = threading.Lock()

    def connect(self, user_id: int, sid: str) -> bool:
        with self._lock:
            sids = self._sids.setdefault(user_id, set())
            sids.add(sid)
            return len(sids) == 1

    def disconnect(self, user_id: int, sid: str) -> bool:
        with self._lock:
            sids = self._sids.get(user_id, set())
            sids.discard(sid)
            if not sids:
                self._sids.pop(user_id, None)
                return True
            return False

    def online(self, user_ids) -> set[int]:
        with self._lock:
            return {u for u in user_ids if self._sids.get(u)}


class _RedisPresence:
    """Several processes: the sockets of each user in a Redis set, so every
    process agrees on who is online. A crashed process leaves its sockets
    behind until their keys expire (a day), so the ceiling is bounded."""
    TTL = 24 * 3600

    def __init__(self, url: str):
        import redis
        self._redis = redis.Redis.from_url(url)

    def _key(self, user_id):
        return f"mentoring:chat:online:{user_id}"

    def connect(self, user_id, sid) -> bool:
        pipe = self._redis.pipeline()
        pipe.sadd(self._key(user_id), sid).expire(self._key(user_id), self.TTL).scard(self._key(user_id))
        added, _, count = pipe.execute()
        return bool(added) and count == 1

    def disconnect(self, user_id, sid) -> bool:
        pipe = self._redis.pipeline()
        pipe.srem(self._key(user_id), sid).scard(self._key(user_id))
        removed, count = pipe.execute()
        return bool(removed) and count == 0

    def online(self, user_ids) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        pipe = self._redis.pipeline()
        for uid in ids:
            pipe.exists(self._key(uid))
        return {uid for uid, there in zip(ids, pipe.execute()) if there}


class _Presence:
    def _store(self):
        ext = current_app.extensions.setdefault("chat_presence", {})
        if "store" not in ext:
            url = current_app.config.get("REDIS_URL")
            ext["store"] = _RedisPresence(url) if url else _MemoryPresence()
        return ext["store"]

    def connect(self, user_id, sid) -> bool:
        return self._store().connect(user_id, sid)

    def disconnect(self, user_id, sid) -> bool:
        return self._store().disconnect(user_id, sid)

    def online(self, user_ids) -> set[int]:
        return self._store().online(user_ids)


presence = _Presence()
