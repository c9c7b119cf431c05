"""gunicorn settings of every web process (`gunicorn -c gunicorn_conf.py ...`).

Command-line flags (-k, -w, --threads, -b) still apply; this file adds what
must happen inside each worker. See docs/deploy.md."""
import os


def post_fork(server, worker):
    """Before the worker imports the app: size its database pool to what it
    runs at once, and tell Flask-SocketIO which concurrency it lives in."""
    worker_class = str(server.cfg.worker_class_str)
    if "gevent" in worker_class:
        os.environ.setdefault("MENTORING_SOCKETIO_ASYNC_MODE", "gevent")
    else:
        # One connection per thread: no thread waits for another's connection,
        # and no overflow connection is opened and closed per burst.
        os.environ.setdefault("MENTORING_DB_POOL_SIZE", str(server.cfg.threads))
        os.environ.setdefault("MENTORING_DB_MAX_OVERFLOW", "0")


def post_worker_init(worker):
    """Warm the worker up before it accepts a connection (mentoring/warmup.py:
    the first requests after a restart do not pay for first uses). Off with
    MENTORING_WORKER_WARMUP=0, which bench/segfault.py uses for the cold runs."""
    if os.environ.get("MENTORING_WORKER_WARMUP", "1") == "0":
        return
    from mentoring.warmup import warm_up
    seconds = warm_up(worker.wsgi)
    worker.log.info("worker %s warmed up in %.0f ms", worker.pid, seconds * 1000)
