"""The scheduler door for urgent-message reminders, and presence across processes."""
import time
from datetime import timedelta

from sqlalchemy import func, select

from mentoring import clock, scheduler
from mentoring.chat import acknowledgements, jobs, presence, rooms, services
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from tests.factories import gen_group


def test_reminder_job_is_registered_and_idempotent(app):
    assert ("chat.remind_urgent", jobs.remind_urgent, 60) in scheduler.jobs()
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    services.post_message(people["mentor"], room, "Khẩn", "j-1", urgent=True)
    db.session.commit()
    clock.advance(timedelta(minutes=6))
    jobs.remind_urgent()
    jobs.remind_urgent()
    count = db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.kind == "chat.urgent_reminder")).scalar()
    assert count == 3  # one per recipient, however often the job runs


def test_reminders_stop_for_someone_who_left_the_group():
    from mentoring.org import services as org
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    message, _ = services.post_message(people["mentor"], room, "Khẩn", "j-2", urgent=True)
    leaver = people["commune"][0]
    membership = next(m for m in group.memberships if m.user_id == leaver.id)
    org.remove_member(membership)
    db.session.flush()
    clock.advance(timedelta(minutes=6))
    assert acknowledgements.send_due_reminders() == 2


def test_redis_presence_is_shared_between_processes(app, redis_url):
    store_a = presence._RedisPresence(redis_url)
    store_b = presence._RedisPresence(redis_url)
    user_id = 10 ** 9 + 7  # far from real ids
    store_a._redis.delete(store_a._key(user_id))
    assert store_a.connect(user_id, "sid-a") is True
    assert store_b.connect(user_id, "sid-b") is False  # already online through A
    assert store_b.online({user_id, user_id + 1}) == {user_id}
    assert store_a.disconnect(user_id, "sid-a") is False
    assert store_b.disconnect(user_id, "sid-b") is True
    assert store_a.online({user_id}) == set()
    store_a.stop()
    store_b.stop()


def test_the_users_of_a_crashed_process_go_offline(app, redis_url):
    crashed = presence._RedisPresence(redis_url, alive_seconds=1)
    survivor = presence._RedisPresence(redis_url, alive_seconds=1)
    user_id = 10 ** 9 + 11
    crashed._redis.delete(crashed._key(user_id))
    assert crashed.connect(user_id, "sid-1") is True
    assert survivor.online({user_id}) == {user_id}
    crashed.stop()  # no disconnect: the process died with the socket open
    deadline = time.monotonic() + 15
    while survivor.online({user_id}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert survivor.online({user_id}) == set()
    assert crashed._redis.smembers(crashed._key(user_id)) == set()  # swept
    assert survivor.connect(user_id, "sid-2") is True  # back online: the first live socket
    survivor.stop()


def test_redis_presence_waits_for_a_connection_when_many_sockets_come_and_go(app, redis_url):
    # Under gevent, hundreds of sockets dropping at once each asked the
    # presence store for a Redis connection; the default pool raised "Too
    # many connections" past its limit and the disconnects were lost.
    import threading
    store = presence._RedisPresence(redis_url, max_connections=3)
    base = 10 ** 9 + 100
    for i in range(24):
        store._redis.delete(store._key(base + i))
    barrier = threading.Barrier(24)
    failures = []

    def socket_comes_and_goes(i):
        barrier.wait()
        try:
            for n in range(5):
                store.connect(base + i, f"sid-{i}-{n}")
                store.disconnect(base + i, f"sid-{i}-{n}")
        except Exception as err:  # noqa: BLE001 - the assertion below names it
            failures.append(repr(err))
    threads = [threading.Thread(target=socket_comes_and_goes, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.stop()
    assert failures == []
    assert store.online({base + i for i in range(24)}) == set()
