"""APScheduler in exactly one process. Each domain's jobs.py lists its jobs
in JOBS = [(id, function, seconds)]; a job is a door like a view: it calls
services inside an app context and commits once, and is safe to run twice."""
import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from flask import g

from mentoring.extensions import db

log = logging.getLogger(__name__)


def jobs():
    from mentoring import DOMAINS
    found = []
    from mentoring import _optional
    for domain in DOMAINS:
        module = _optional(f"mentoring.{domain}.jobs")
        if module is not None:
            found.extend(module.JOBS)
    return found


def _wrap(app, fn):
    def run():
        with app.app_context():
            g.writes_data = True  # on SQLite: take the write lock up front
            try:
                fn()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", fn.__name__)
            finally:
                db.session.remove()
    run.__name__ = fn.__name__
    return run


def build(app, blocking: bool):
    sched = BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC")
    for job_id, fn, seconds in jobs():
        sched.add_job(_wrap(app, fn), "interval", seconds=seconds, id=job_id,
                      replace_existing=True, max_instances=1, coalesce=True)
    return sched


def run_forever(app) -> None:
    sched = build(app, blocking=True)
    log.info("scheduler running %d jobs", len(sched.get_jobs()))
    sched.start()


def run_all_once(app) -> list[str]:
    names = []
    for job_id, fn, _ in jobs():
        _wrap(app, fn)()
        names.append(job_id)
    return names
