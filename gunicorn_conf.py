"""gunicorn settings of every web process (`gunicorn -c gunicorn_conf.py ...`).

Command-line flags (-k, -w, --threads, -b) still apply; this file only adds
what must run inside each worker. See docs/deploy.md."""
import os


def post_worker_init(worker):
    """Warm the worker up before it accepts a connection (mentoring/warmup.py:
    first uses of C-extension state off the concurrent path). Off with
    MENTORING_WORKER_WARMUP=0, which bench/segfault.py uses for the cold runs."""
    if os.environ.get("MENTORING_WORKER_WARMUP", "1") == "0":
        return
    from mentoring.warmup import warm_up
    seconds = warm_up(worker.wsgi)
    worker.log.info("worker %s warmed up in %.0f ms", worker.pid, seconds * 1000)
