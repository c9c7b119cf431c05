"""Recurring sessions: RFC 5545 rules (python-dateutil) expanded in the
session's own zone, so a 14:00 session stays at 14:00 on both sides of a
daylight-saving change; then stored in UTC.

Occurrences are materialised as session rows up to a rolling horizon
(MENTORING_SESSION_HORIZON_DAYS, default about six months), because RSVPs,
attendance, reminders and the room belong to one occurrence. Materialising
is one bulk insert per table (sessions, audiences, reminders) plus Python,
whatever the number of occurrences; a daily job extends open-ended series."""
import secrets
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask import current_app
from sqlalchemy import or_, select

from mentoring import clock
from mentoring.extensions import db
from mentoring.sessions import reminders
from mentoring.sessions.models import SessionAudience, SessionReminder, SessionSeries, TeachingSession

# The choices people make; each is an RFC 5545 RRULE.
FREQUENCIES = {"weekly": "FREQ=WEEKLY;INTERVAL=1", "biweekly": "FREQ=WEEKLY;INTERVAL=2",
               "monthly": "FREQ=MONTHLY;INTERVAL=1"}
MAX_OCCURRENCES = 104
MAX_SPAN = timedelta(days=2 * 366)
DEFAULT_HORIZON_DAYS = 183

# The fields every occurrence of a series shares (copied from a template row).
TEMPLATE_FIELDS = ("host_id", "created_by_id", "title", "topic", "description", "competency_codes",
                   "duration_minutes", "timezone", "place", "video_url", "video_generated", "capacity",
                   "workshop_id")


def frequency_of(rule: str | None) -> str | None:
    return next((name for name, text in FREQUENCIES.items() if text == rule), None)


def horizon() -> datetime:
    days = int(current_app.config.get("MENTORING_SESSION_HORIZON_DAYS") or DEFAULT_HORIZON_DAYS)
    return clock.now() + timedelta(days=days)


def expand(rule: str, zone: str, dtstart: datetime, until: datetime, *, after: datetime | None = None,
           limit: int = MAX_OCCURRENCES) -> list[datetime]:
    """Occurrence starts (UTC) from dtstart to `until` inclusive, strictly after
    `after` when given. The rule runs on local wall-clock time."""
    tz = ZoneInfo(zone)
    local_start = dtstart.astimezone(tz)
    rule_set = rrulestr(rule, dtstart=local_start)
    out = []
    for occurrence in rule_set:
        start = occurrence.replace(tzinfo=tz).astimezone(timezone.utc)
        if start > until or len(out) >= limit:
            break
        if after is None or start > after:
            out.append(start)
    return out


def until_for_count(rule: str, zone: str, dtstart: datetime, count: int) -> datetime:
    """The last start of a series of `count` occurrences."""
    starts = expand(rule, zone, dtstart, dtstart + MAX_SPAN, limit=count)
    return starts[-1]


def generated_video_url() -> str | None:
    """A self-hosted call at an unguessable room name, or None when no base is configured."""
    base = (current_app.config.get("MENTORING_VIDEO_BASE_URL") or "").rstrip("/")
    if not base.startswith("https://"):
        return None
    return f"{base}/echo-{secrets.token_urlsafe(16)}"


def template_of(session: TeachingSession) -> dict:
    return {name: getattr(session, name) for name in TEMPLATE_FIELDS}


def create_series(template: dict, rule: str, zone: str, dtstart: datetime,
                  until: datetime | None) -> SessionSeries:
    series = SessionSeries(host_id=template["host_id"], rule=rule, timezone=zone, dtstart=dtstart,
                           until=until, materialised_until=dtstart - timedelta(seconds=1),
                           created_at=clock.now())
    db.session.add(series)
    db.session.flush()
    return series


def materialise(series: SessionSeries, template: dict, audience: list[tuple[int, str | None]],
                up_to: datetime | None = None) -> list[int]:
    """Insert the occurrences of `series` between what exists and `up_to`
    (default: the horizon), with their audience and reminder rows. Returns
    the new session ids, in time order."""
    end = min(up_to or horizon(), series.until) if series.until else (up_to or horizon())
    starts = expand(series.rule, series.timezone, series.dtstart, end, after=series.materialised_until)
    existing = set(db.session.execute(select(TeachingSession.original_start).where(
        TeachingSession.series_id == series.id, TeachingSession.original_start.in_(starts))
    ).scalars()) if starts else set()
    starts = [s for s in starts if s not in existing]
    series.materialised_until = max(end, series.materialised_until)
    if not starts:
        db.session.flush()
        return []
    now = clock.now()
    duration = timedelta(minutes=template["duration_minutes"])
    rows = []
    for start in starts:
        row = {**template, "series_id": series.id, "original_start": start, "starts_at": start,
               "ends_at": start + duration, "status": "scheduled", "sequence": 0,
               "created_at": now, "updated_at": now}
        if template.get("video_generated"):
            row["video_url"] = generated_video_url() or template.get("video_url")
        rows.append(row)
    # Core inserts as one executemany each (one statement per table, however
    # many rows); the new ids are read back by the occurrence key.
    db.session.execute(TeachingSession.__table__.insert(), rows)
    by_start = dict(db.session.execute(select(TeachingSession.original_start, TeachingSession.id).where(
        TeachingSession.series_id == series.id, TeachingSession.original_start.in_(starts))).all())
    ids = [by_start[start] for start in starts]
    db.session.execute(SessionAudience.__table__.insert(), [
        {"session_id": sid, "group_id": group_id, "tier_code": tier}
        for sid in ids for group_id, tier in audience])
    reminder_rows = [{"agenda_item_id": None, "done_at": None, **r} for sid, row in zip(ids, rows)
                     for r in reminders.rows_for(sid, row["starts_at"], row["ends_at"])]
    db.session.execute(SessionReminder.__table__.insert(), reminder_rows)
    db.session.flush()
    return ids


def audience_of(session: TeachingSession) -> list[tuple[int, str | None]]:
    return [(a.group_id, a.tier_code) for a in session.audiences]


def extend_open_series() -> int:
    """The daily job: keep every ongoing series materialised to the horizon.
    The latest occurrence is the template (it carries the latest edits)."""
    target = horizon()
    series_rows = db.session.execute(select(SessionSeries).where(
        SessionSeries.materialised_until < target,
        or_(SessionSeries.until.is_(None), SessionSeries.until > SessionSeries.materialised_until))
    ).scalars().all()
    added = 0
    for series in series_rows:
        latest = db.session.execute(select(TeachingSession).where(TeachingSession.series_id == series.id)
                                    .order_by(TeachingSession.original_start.desc()).limit(1)
                                    ).scalar_one_or_none()
        if latest is None:
            series.materialised_until = target
            continue
        added += len(materialise(series, template_of(latest), audience_of(latest), target))
    db.session.flush()
    return added
