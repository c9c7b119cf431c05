"""Calendars (RFC 5545, with the icalendar library): one .ics per session
and a per-person subscription feed at a secret URL.

Each occurrence is its own VEVENT with a stable UID; SEQUENCE follows the
session's, bumped on every change, and a cancelled session stays in the feed
with STATUS:CANCELLED so calendar programs remove it. Times carry the
session's zone with its VTIMEZONE. The feed's secret is kept only as a
SHA-256; making a new one or revoking ends the old URL at once."""
import hashlib
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select, update

from mentoring import clock
from mentoring.audit.services import record as audit_record
from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.sessions.audience import mine_clause
from mentoring.sessions.models import CalendarFeedToken, TeachingSession

PRODID = "-//1-4-4-2 Tele-mentoring//Teaching sessions//VI"
FEED_PAST = timedelta(days=60)
FEED_LIMIT = 500


def uid_of(session: TeachingSession) -> str:
    return f"teaching-session-{session.id}@mentoring-1442"


def _page_url(session: TeachingSession) -> str:
    base = (current_app.config.get("MENTORING_BASE_URL") or "").rstrip("/")
    return f"{base}/sessions/{session.id}" if base else f"/sessions/{session.id}"


def _event(session: TeachingSession) -> Event:
    zone = ZoneInfo(session.timezone)
    event = Event()
    event.add("uid", uid_of(session))
    event.add("dtstamp", session.updated_at)
    event.add("last-modified", session.updated_at)
    event.add("created", session.created_at)
    event.add("sequence", session.sequence)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", session.title)
    event.add("status", "CANCELLED" if session.status == "cancelled" else "CONFIRMED")
    lines = [part for part in (session.topic, session.description) if part]
    if session.video_url:
        lines.append(session.video_url)
    page = _page_url(session)
    lines.append(page)
    event.add("description", "\n\n".join(lines))
    if session.place or session.video_url:
        event.add("location", session.place or session.video_url)
    if page.startswith("http"):
        event.add("url", page)
    return event


def calendar_bytes(sessions: list[TeachingSession], name: str | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    for session in sessions:
        cal.add_component(_event(session))
    cal.add_missing_timezones()
    return cal.to_ical()


# --- the subscription feed --------------------------------------------------

def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def active_token(user: User) -> CalendarFeedToken | None:
    return db.session.execute(select(CalendarFeedToken).where(
        CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None))
        .order_by(CalendarFeedToken.id.desc()).limit(1)).scalar_one_or_none()


def issue_feed_token(user: User) -> str:
    """A new secret for the user's feed (the old URL stops working). Returns
    the raw secret: it is shown once, only its hash is kept."""
    _revoke_all(user)
    raw = secrets.token_urlsafe(32)
    db.session.add(CalendarFeedToken(user_id=user.id, token_hash=_hash(raw), created_at=clock.now()))
    audit_record("session.feed_issued", actor=user, target_kind="user", target_id=user.id)
    db.session.flush()
    return raw


def revoke_feed(user: User) -> int:
    count = _revoke_all(user)
    if count:
        audit_record("session.feed_revoked", actor=user, target_kind="user", target_id=user.id)
    db.session.flush()
    return count


def _revoke_all(user: User) -> int:
    return db.session.execute(update(CalendarFeedToken).where(
        CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())).rowcount


def user_for_feed(raw: str) -> User | None:
    if not raw or len(raw) > 100:
        return None
    token = db.session.execute(select(CalendarFeedToken).where(
        CalendarFeedToken.token_hash == _hash(raw), CalendarFeedToken.revoked_at.is_(None))).scalar_one_or_none()
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    return user if user is not None and user.active else None


def feed_sessions(user: User) -> list[TeachingSession]:
    """The person's own calendar (hosted or invited), cancelled ones included, from two months back."""
    return list(db.session.execute(select(TeachingSession).where(
        mine_clause(user), TeachingSession.starts_at >= clock.now() - FEED_PAST)
        .order_by(TeachingSession.starts_at).limit(FEED_LIMIT)).scalars())
