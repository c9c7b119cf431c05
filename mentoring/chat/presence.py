"""Who is online: a socket count per person, in this process (one server)
or in Redis (several processes), so every process agrees."""
import threading
import uuid

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
    process agrees on who is online. Each socket is stored as
    "<process>:<sid>" and each process keeps a heartbeat key alive; a socket
    counts only while its process beats, so the users of a crashed process go
    offline within `alive_seconds` (their leftovers are swept lazily)."""
    TTL = 24 * 3600

    def __init__(self, url: str, alive_seconds: float = 60, process_id: str | None = None,
                 max_connections: int = 50):
        import redis
        # A blocking pool: under gevent hundreds of sockets may connect or drop
        # at once (a phone network hiccup, a load balancer restart). redis-py's
        # default pool raises "Too many connections" past 100; this one waits
        # its turn for one of `max_connections` (measured: bench/RESULTS.md).
        self._redis = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=20))
        self.process = process_id or uuid.uuid4().hex[:12]
        self.alive_seconds = alive_seconds
        self._stop = threading.Event()
        self._beating = False
        self._lock = threading.Lock()

    def _key(self, user_id):
        return f"mentoring:chat:online:{user_id}"

    @staticmethod
    def _alive_key(process: str) -> str:
        return f"mentoring:chat:process:{process}"

    def _beat(self) -> None:
        self._redis.set(self._alive_key(self.process), 1, px=int(self.alive_seconds * 1000))

    def _ensure_heartbeat(self) -> None:
        with self._lock:
            if self._beating:
                return
            self._beating = True
        self._beat()

        def run():
            while not self._stop.wait(self.alive_seconds / 3):
                try:
                    self._beat()
                except Exception:  # Redis away for a moment: beat again next time
                    pass
        threading.Thread(target=run, name="chat-presence-heartbeat", daemon=True).start()

    def stop(self) -> None:
        """Stop beating (shutdown, or a test playing a crashed process)."""
        self._stop.set()

    def _live(self, user_ids: list) -> dict:
        """user id -> its sockets on living processes; dead ones are swept."""
        pipe = self._redis.pipeline()
        for uid in user_ids:
            pipe.smembers(self._key(uid))
        members = {uid: [m.decode() for m in found] for uid, found in zip(user_ids, pipe.execute())}
        processes = sorted({m.split(":", 1)[0] for found in members.values() for m in found})
        alive = set()
        if processes:
            flags = self._redis.mget([self._alive_key(p) for p in processes])
            alive = {p for p, flag in zip(processes, flags) if flag is not None}
        live, dead = {}, self._redis.pipeline()
        for uid, found in members.items():
            live[uid] = [m for m in found if m.split(":", 1)[0] in alive]
            for gone in set(found) - set(live[uid]):
                dead.srem(self._key(uid), gone)
        dead.execute()
        return live

    def connect(self, user_id, sid) -> bool:
        self._ensure_heartbeat()
        member = f"{self.process}:{sid}"
        pipe = self._redis.pipeline()
        pipe.sadd(self._key(user_id), member).expire(self._key(user_id), self.TTL)
        added, _ = pipe.execute()
        return bool(added) and self._live([user_id])[user_id] == [member]

    def disconnect(self, user_id, sid) -> bool:
        removed = self._redis.srem(self._key(user_id), f"{self.process}:{sid}")
        return bool(removed) and not self._live([user_id])[user_id]

    def online(self, user_ids) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        return {uid for uid, sockets in self._live(ids).items() if sockets}


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
