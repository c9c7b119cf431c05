"""Deadline rows of a session: reminders before the start (configurable
offsets, default 24 h and 15 min), a presenter's slides reminder, and the
end (close the register, mark the session held).

The job claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL) and marks
them done in the same transaction, so a reminder goes out once when the job
runs twice, when two schedulers run by mistake, or after a restart. Moving a
session moves its unsent rows; cancelling drops them."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from mentoring import clock, deadlines
from mentoring.extensions import db
from mentoring.sessions import notices
from mentoring.sessions.audience import invited_users
from mentoring.sessions.models import AgendaItem, SessionMaterial, SessionReminder, TeachingSession

DEFAULT_OFFSETS = (24 * 60, 15)
SLIDES_BEFORE = timedelta(days=2)


def offsets() -> list[int]:
    configured = current_app.config.get("MENTORING_SESSION_REMINDERS_MINUTES")
    values = DEFAULT_OFFSETS if configured is None else configured
    return sorted({int(v) for v in values if int(v) > 0}, reverse=True)


def rows_for(session_id: int, starts_at: datetime, ends_at: datetime) -> list[dict]:
    """The rows a new session needs (as dicts, for bulk inserts). A reminder
    whose time has already passed is not made: nobody wants "starts in 24 h"
    two hours before."""
    now = clock.now()
    rows = [{"session_id": session_id, "kind": "reminder", "offset_minutes": minutes,
             "due_at": starts_at - timedelta(minutes=minutes)}
            for minutes in offsets() if starts_at - timedelta(minutes=minutes) > now]
    rows.append({"session_id": session_id, "kind": "end", "offset_minutes": None, "due_at": ends_at})
    return rows


def schedule(session: TeachingSession) -> None:
    db.session.add_all([SessionReminder(**row) for row in rows_for(session.id, session.starts_at,
                                                                   session.ends_at)])


def _due_for(session: TeachingSession, row: SessionReminder) -> datetime:
    if row.kind == "reminder":
        return session.starts_at - timedelta(minutes=row.offset_minutes)
    if row.kind == "slides":
        return max(session.starts_at - SLIDES_BEFORE, clock.now())
    return session.ends_at


def move(session: TeachingSession) -> None:
    """The session's time changed: unsent rows follow it; a reminder whose
    new time has passed is dropped (the change notice already went out), and
    one that was never made because its time had passed is made now."""
    now = clock.now()
    rows = list(db.session.execute(select(SessionReminder).where(
        SessionReminder.session_id == session.id)).scalars())
    for row in rows:
        if row.done_at is not None:
            continue
        row.due_at = _due_for(session, row)
        if row.kind == "reminder" and row.due_at <= now:
            row.done_at = now
    have = {r.offset_minutes for r in rows if r.kind == "reminder"}
    for minutes in offsets():
        due = session.starts_at - timedelta(minutes=minutes)
        if minutes not in have and due > now:
            db.session.add(SessionReminder(session_id=session.id, kind="reminder", offset_minutes=minutes,
                                           due_at=due))
    if not any(r.kind == "end" and r.done_at is None for r in rows):
        db.session.add(SessionReminder(session_id=session.id, kind="end", due_at=session.ends_at))
    db.session.flush()


def drop(session: TeachingSession, kinds: tuple[str, ...] = ("reminder", "slides", "end"),
         agenda_item_id: int | None = None) -> None:
    stmt = update(SessionReminder).where(SessionReminder.session_id == session.id,
                                         SessionReminder.done_at.is_(None),
                                         SessionReminder.kind.in_(kinds))
    if agenda_item_id is not None:
        stmt = stmt.where(SessionReminder.agenda_item_id == agenda_item_id)
    db.session.execute(stmt.values(done_at=clock.now()))


def schedule_slides(session: TeachingSession, item: AgendaItem) -> None:
    drop(session, ("slides",), agenda_item_id=item.id)
    due = session.starts_at - SLIDES_BEFORE
    if due > clock.now():
        db.session.add(SessionReminder(session_id=session.id, kind="slides", agenda_item_id=item.id,
                                       due_at=due))


# --- the job ----------------------------------------------------------------

def claim_due(limit: int = 200) -> list[SessionReminder]:
    return deadlines.claim_due(SessionReminder, limit=limit)


def run_due(limit: int = 200) -> int:
    """Act on every due row once. Returns how many rows acted."""
    from mentoring.sessions import attendance, services
    acted = 0
    for row in claim_due(limit):
        session = db.session.get(TeachingSession, row.session_id)
        if row.kind == "end":
            attendance.close_open_segments(session, at=session.ends_at)
            if session.status == "scheduled":
                services.mark_held(session, by=None)
            acted += 1
        elif session.status != "scheduled":
            continue
        elif row.kind == "reminder":
            notices.tell(invited_users(session, without_declined=True), "session.reminder", session)
            acted += 1
        elif row.kind == "slides" and _slides_missing(row):
            item = db.session.get(AgendaItem, row.agenda_item_id)
            notices.tell([item.presenter], "session.slides_reminder", session, item=item.title)
            acted += 1
    db.session.flush()
    return acted


def _slides_missing(row: SessionReminder) -> bool:
    item = db.session.get(AgendaItem, row.agenda_item_id) if row.agenda_item_id else None
    if item is None or item.presenter_id is None:
        return False
    return db.session.execute(select(SessionMaterial.id).where(
        SessionMaterial.agenda_item_id == item.id, SessionMaterial.uploaded_by_id == item.presenter_id,
        SessionMaterial.review_status.in_(("in_review", "approved"))).limit(1)).first() is None
