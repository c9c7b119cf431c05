"""Deadline rows claimed by the scheduler: the one pattern behind case
escalations and outcome follow-ups, session reminders and certificate
renewal warnings.

A row is due when its `due_at` has passed and `done_at` is empty. Claiming
marks it done in the same transaction that acts on it, so a reminder goes
out exactly once: when the scheduler restarts mid-run the transaction rolls
back and the row is claimed again; when two schedulers run by mistake,
PostgreSQL's FOR UPDATE SKIP LOCKED hands each row to one of them (SQLite
serialises writers with BEGIN IMMEDIATE, see extensions)."""
from sqlalchemy import select

from mentoring import clock
from mentoring.extensions import db


def claim_due(model, *where, limit: int = 200) -> list:
    """Lock and mark done up to `limit` due rows of `model` (oldest first)."""
    now = clock.now()
    stmt = (select(model).where(model.done_at.is_(None), model.due_at <= now, *where)
            .order_by(model.due_at, model.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(db.session.execute(stmt).scalars())
    for row in rows:
        row.done_at = now
    db.session.flush()
    return rows
