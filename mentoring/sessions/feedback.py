"""Ratings: after a held session each attendee rates it 1-5 and may comment,
once. The host and coordinators see the summary per session and per host."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from mentoring import clock
from mentoring.auth.models import User
from mentoring.cases import deident
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db
from mentoring.sessions.models import AttendanceRecord, SessionFeedback, TeachingSession

MAX_COMMENT = 2000


def give_feedback(session: TeachingSession, user: User, rating, comment: str | None) -> SessionFeedback:
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = _("Choose a rating from 1 to 5.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("At most %(n)d characters.", n=MAX_COMMENT)
    elif comment and (message := deident.identifier_in(comment)):
        errors["comment"] = message
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    if session.status != "held":
        raise Conflict(_("You can rate a session once it has been held."))
    attended = db.session.execute(select(AttendanceRecord.minutes).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == user.id)).scalar()
    if not attended:
        raise Conflict(_("Only those who attended can rate this session."))
    already = _("You have already rated this session.")
    if has_given(session, user):
        raise Conflict(already, fields={"rating": already})
    try:
        with db.session.begin_nested():
            row = SessionFeedback(session_id=session.id, user_id=user.id, rating=rating,
                                  comment=comment or None, created_at=clock.now())
            db.session.add(row)
    except IntegrityError:  # a double submit raced us
        raise Conflict(already, fields={"rating": already}) from None
    return row


def has_given(session: TeachingSession, user: User) -> bool:
    return db.session.execute(select(SessionFeedback.id).where(
        SessionFeedback.session_id == session.id, SessionFeedback.user_id == user.id)).first() is not None


@dataclass
class Summary:
    count: int = 0
    average: float | None = None
    by_rating: dict | None = None


def session_summary(session: TeachingSession) -> tuple[Summary, list[SessionFeedback]]:
    rows = list(db.session.execute(select(SessionFeedback).where(SessionFeedback.session_id == session.id)
                                   .order_by(SessionFeedback.id)).scalars())
    by_rating = {n: sum(1 for r in rows if r.rating == n) for n in range(1, 6)}
    average = sum(r.rating for r in rows) / len(rows) if rows else None
    return Summary(len(rows), average, by_rating), [r for r in rows if r.comment]


@dataclass
class HostRow:
    host: User
    sessions: int
    ratings: int
    average: float | None


def by_host(host_id: int | None = None) -> list[HostRow]:
    """Per host: held sessions, ratings received and their average. Two queries."""
    held = select(TeachingSession.host_id, func.count(TeachingSession.id)).where(
        TeachingSession.status == "held").group_by(TeachingSession.host_id)
    rated = (select(TeachingSession.host_id, func.count(SessionFeedback.id), func.avg(SessionFeedback.rating))
             .join(SessionFeedback, SessionFeedback.session_id == TeachingSession.id)
             .group_by(TeachingSession.host_id))
    if host_id is not None:
        held, rated = held.where(TeachingSession.host_id == host_id), rated.where(
            TeachingSession.host_id == host_id)
    counts = dict(db.session.execute(held).all())
    ratings = {h: (n, avg) for h, n, avg in db.session.execute(rated).all()}
    ids = set(counts) | set(ratings)
    hosts = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).unique().scalars()} \
        if ids else {}
    rows = [HostRow(hosts[h], counts.get(h, 0), ratings.get(h, (0, None))[0],
                    float(ratings[h][1]) if h in ratings and ratings[h][1] is not None else None)
            for h in ids if h in hosts]
    return sorted(rows, key=lambda r: r.host.full_name)


def per_session(host_id: int | None = None, limit: int = 50) -> list[tuple[TeachingSession, int, float | None]]:
    """Recent held sessions with their rating count and average. One query."""
    stmt = (select(TeachingSession, func.count(SessionFeedback.id), func.avg(SessionFeedback.rating))
            .outerjoin(SessionFeedback, SessionFeedback.session_id == TeachingSession.id)
            .where(TeachingSession.status == "held").group_by(TeachingSession.id)
            .order_by(TeachingSession.starts_at.desc()).limit(limit)
            .options(selectinload(TeachingSession.host)))
    if host_id is not None:
        stmt = stmt.where(TeachingSession.host_id == host_id)
    return [(s, n, float(avg) if avg is not None else None) for s, n, avg in db.session.execute(stmt).all()]
