"""The read side of sessions: one session, the calendar (agenda and week),
the API list, conflicts, the home page's next sessions. Every list is scoped
by audience.visible_clause and runs a fixed number of queries, whatever the
number of sessions and occurrences (tests/sessions/test_speed.py)."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from mentoring import clock
from mentoring.auth import policy
from mentoring.errors import NotFound
from mentoring.extensions import db
from mentoring.org.services import paginate
from mentoring.sessions.audience import mine_clause, scope_sessions
from mentoring.sessions.models import SessionAudience, SessionRsvp, TeachingSession


def _options(stmt):
    return stmt.options(selectinload(TeachingSession.host),
                        selectinload(TeachingSession.audiences).selectinload(SessionAudience.group),
                        selectinload(TeachingSession.workshop))


def get_session(session_id: int, user=None) -> TeachingSession:
    """The session, or NotFound; with a user, NotFound also when they may not see it."""
    session = db.session.execute(_options(select(TeachingSession).where(TeachingSession.id == session_id))
                                 ).scalar_one_or_none()
    if session is None:
        raise NotFound(_("No such session."))
    if user is not None:
        policy.require(user, "session.view", session, hide=True)
    return session


def _between(user, since: datetime | None, until: datetime | None):
    stmt = scope_sessions(user, select(TeachingSession))
    if since is not None:
        stmt = stmt.where(TeachingSession.ends_at > since)
    if until is not None:
        stmt = stmt.where(TeachingSession.starts_at < until)
    return stmt


def page_between(user, since, until, page: int = 1, per_page: int = 25, *, workshop_id: int | None = None):
    """A page of the sessions the user may see that overlap [since, until), soonest first."""
    stmt = _between(user, since, until)
    if workshop_id is not None:
        stmt = stmt.where(TeachingSession.workshop_id == workshop_id)
    return paginate(_options(stmt.order_by(TeachingSession.starts_at, TeachingSession.id)), page, per_page)


def calendar(user, since: datetime, until: datetime, limit: int = 300) -> list[TeachingSession]:
    stmt = _between(user, since, until).order_by(TeachingSession.starts_at, TeachingSession.id).limit(limit)
    return list(db.session.execute(_options(stmt)).scalars())


def upcoming_for(user, limit: int = 3) -> list[TeachingSession]:
    """Scheduled sessions the user hosts or is in the audience of, not yet
    ended, soonest first (the home page)."""
    stmt = (select(TeachingSession).where(mine_clause(user), TeachingSession.status == "scheduled",
                                          TeachingSession.ends_at > clock.now())
            .order_by(TeachingSession.starts_at, TeachingSession.id).limit(limit))
    return list(db.session.execute(_options(stmt)).scalars())


def _overlapping(a: TeachingSession, b: TeachingSession) -> bool:
    return a.id != b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at


def host_overlaps(host_id: int, session_ids: list[int]) -> list[TeachingSession]:
    """The host's other scheduled sessions that overlap any of `session_ids`
    (a warning for the host). Two queries whatever the number of sessions."""
    if not session_ids:
        return []
    mine = list(db.session.execute(select(TeachingSession).where(TeachingSession.id.in_(session_ids))).scalars())
    first, last = min(s.starts_at for s in mine), max(s.ends_at for s in mine)
    others = db.session.execute(select(TeachingSession).where(
        TeachingSession.host_id == host_id, TeachingSession.status == "scheduled",
        TeachingSession.id.not_in(session_ids), TeachingSession.starts_at < last,
        TeachingSession.ends_at > first).order_by(TeachingSession.starts_at)).scalars().all()
    return [o for o in others if any(_overlapping(o, s) for s in mine)]


def clashes(user, sessions: list[TeachingSession]) -> dict[int, list[TeachingSession]]:
    """{session id: other sessions the user accepted (a seat, not waiting)
    that overlap it}. One query for the whole list."""
    if not sessions:
        return {}
    first, last = min(s.starts_at for s in sessions), max(s.ends_at for s in sessions)
    accepted = list(db.session.execute(select(TeachingSession).join(SessionRsvp, and_(
        SessionRsvp.session_id == TeachingSession.id, SessionRsvp.user_id == user.id,
        SessionRsvp.response == "yes", SessionRsvp.waitlist_position.is_(None))).where(
        TeachingSession.status == "scheduled", TeachingSession.starts_at < last,
        TeachingSession.ends_at > first)).scalars())
    hosted = [s for s in sessions if s.host_id == user.id and s.status == "scheduled"]
    out = {}
    for session in sessions:
        found = [o for o in accepted + hosted if _overlapping(o, session)]
        if found:
            out[session.id] = sorted({o.id: o for o in found}.values(), key=lambda o: o.starts_at)
    return out


def series_sessions(session: TeachingSession, limit: int = 12) -> list[TeachingSession]:
    """The next occurrences of the session's series (for its page)."""
    if session.series_id is None:
        return []
    return list(db.session.execute(select(TeachingSession).where(
        TeachingSession.series_id == session.series_id, TeachingSession.starts_at > session.starts_at)
        .order_by(TeachingSession.starts_at).limit(limit)).scalars())

