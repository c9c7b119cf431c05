"""Answers to an invitation: yes, no or maybe. A "yes" to a full session
joins the waiting list; when a seat frees (someone says no, or the capacity
grows) the first in line moves up and is told."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from mentoring import clock
from mentoring.auth import policy
from mentoring.errors import Conflict, Forbidden, ValidationFailed
from mentoring.extensions import db
from mentoring.sessions import notices
from mentoring.sessions.models import RSVP_RESPONSES, SessionRsvp, TeachingSession


def seats_taken(session: TeachingSession) -> int:
    return db.session.execute(select(func.count()).select_from(SessionRsvp).where(
        SessionRsvp.session_id == session.id, SessionRsvp.response == "yes",
        SessionRsvp.waitlist_position.is_(None))).scalar()


def _lock(session: TeachingSession) -> None:
    """Seat counting must not race: on PostgreSQL the session row is locked
    (SQLite writers are already one at a time)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(TeachingSession.id).where(TeachingSession.id == session.id)
                           .with_for_update())


def respond(session: TeachingSession, user, response: str) -> SessionRsvp:
    if response not in RSVP_RESPONSES:
        message = _("Answer yes, no or maybe.")
        raise ValidationFailed(message, fields={"response": message})
    if session.status == "cancelled":
        raise Conflict(_("This session was cancelled."))
    if session.status == "held" or session.ends_at <= clock.now():
        raise Conflict(_("This session is over."))
    if not policy.allowed(user, "session.rsvp", session):
        raise Forbidden(_("This session is not addressed to you."))
    _lock(session)
    row = db.session.execute(select(SessionRsvp).where(
        SessionRsvp.session_id == session.id, SessionRsvp.user_id == user.id)).scalar_one_or_none()
    if row is not None and row.response == response:
        return row
    had_seat = row is not None and row.response == "yes" and row.waitlist_position is None
    position = None
    if response == "yes" and session.capacity is not None and seats_taken(session) >= session.capacity:
        last = db.session.execute(select(func.max(SessionRsvp.waitlist_position)).where(
            SessionRsvp.session_id == session.id)).scalar()
        position = (last or 0) + 1
    if row is None:
        row = SessionRsvp(session_id=session.id, user_id=user.id)
        db.session.add(row)
    row.response, row.waitlist_position, row.responded_at = response, position, clock.now()
    db.session.flush()
    if had_seat:
        promote_waiting(session)
    return row


def promote_waiting(session: TeachingSession) -> list[SessionRsvp]:
    """Give free seats to the waiting list, first come first served."""
    if session.status != "scheduled":
        return []
    free = None if session.capacity is None else session.capacity - seats_taken(session)
    waiting = list(db.session.execute(select(SessionRsvp).where(
        SessionRsvp.session_id == session.id, SessionRsvp.response == "yes",
        SessionRsvp.waitlist_position.is_not(None)).order_by(SessionRsvp.waitlist_position)).scalars())
    promoted = waiting if free is None else waiting[:max(free, 0)]
    for row in promoted:
        row.waitlist_position = None
    db.session.flush()
    if promoted:
        notices.tell([row.user for row in promoted], "session.promoted", session)
    return promoted


def my_rsvps(user, session_ids: list[int]) -> dict[int, SessionRsvp]:
    if not session_ids:
        return {}
    return {r.session_id: r for r in db.session.execute(select(SessionRsvp).where(
        SessionRsvp.user_id == user.id, SessionRsvp.session_id.in_(session_ids))).scalars()}


def counts(session_ids: list[int]) -> dict[int, dict[str, int]]:
    """{session id: {"yes", "no", "maybe", "waiting"}} in one query."""
    out = {sid: {"yes": 0, "no": 0, "maybe": 0, "waiting": 0} for sid in session_ids}
    if not session_ids:
        return out
    waiting = SessionRsvp.waitlist_position.is_not(None)
    rows = db.session.execute(select(SessionRsvp.session_id, SessionRsvp.response, waiting, func.count())
                              .where(SessionRsvp.session_id.in_(session_ids))
                              .group_by(SessionRsvp.session_id, SessionRsvp.response, waiting)).all()
    for session_id, response, is_waiting, n in rows:
        out[session_id]["waiting" if is_waiting else response] += n
    return out
