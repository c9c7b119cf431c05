"""Checking a session's fields, the same for the form and the API: lengths
and patterns, https links, the time zone, start and end, the audience (a
host schedules only for groups they lead), capacity, competencies (codes of
the competency domain once it exists, free tags until then) and recurrence.
Raises ValidationFailed with one message per field; nothing is written."""
import re
from datetime import date, datetime, time, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mentoring import _optional, clock
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.cases import deident
from mentoring.errors import ValidationFailed
from mentoring.extensions import db
from mentoring.org.models import MentoringGroup
from mentoring.org.services import member_tiers
from mentoring.sessions import recurrence
from mentoring.sessions.models import TeachingSession, Workshop

FIELDS_MSG = _l("Please correct the marked fields.")
TEXT_LIMITS = {"title": 200, "topic": 200, "description": 5000, "place": 300}
MIN_MINUTES, MAX_MINUTES = 5, 12 * 60
MAX_CAPACITY = 10_000
MAX_TAGS, MAX_TAG_LENGTH = 10, 40
_TAG = re.compile(r"^[A-Za-z0-9._-]+$")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)+$")


def check_https_url(value: str | None, field: str, errors: dict) -> str | None:
    """An https link with a real host name, no credentials, no spaces; else a message on `field`."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 500:
        errors[field] = _("At most %(n)d characters.", n=500)
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme != "https" or not _HOST.match(host) or parts.username \
            or parts.password or any(c.isspace() for c in value):
        errors[field] = _("Give a secure link starting with https:// and a web address.")
    return value


def _competency_lookup():
    """The competency domain's code check, when that domain exists."""
    module = _optional("mentoring.competency.services")
    return getattr(module, "known_competency_codes", None) if module is not None else None


def clean_competencies(raw, errors: dict) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    codes: list[str] = []
    for item in raw or []:
        code = str(item).strip()
        if code and code not in codes:
            codes.append(code)
    if len(codes) > MAX_TAGS:
        errors["competencies"] = _("At most %(n)d competencies.", n=MAX_TAGS)
    elif any(len(c) > MAX_TAG_LENGTH or not _TAG.match(c) for c in codes):
        errors["competencies"] = _("Each competency is at most %(n)d letters, digits, dots, dashes or "
                                   "underscores.", n=MAX_TAG_LENGTH)
    elif codes and (known := _competency_lookup()) is not None:
        unknown = [c for c in codes if c not in known(codes)]
        if unknown:
            errors["competencies"] = _("Unknown competency: %(codes)s.", codes=", ".join(unknown))
    return codes


def _zone(name: str | None, errors: dict) -> str:
    name = (name or "").strip() or current_app.config["MENTORING_DEFAULT_TIMEZONE"]
    try:
        if len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = _("Unknown time zone.")
        return current_app.config["MENTORING_DEFAULT_TIMEZONE"]
    return name


def local_datetime(day: date, at: time, zone: str) -> datetime:
    """A wall-clock time in a zone, as an aware UTC datetime."""
    return datetime.combine(day, at, ZoneInfo(zone)).astimezone(timezone.utc)


def clean_input(data: dict, *, actor: User, session: TeachingSession | None = None) -> dict:
    """Check a session's fields (the same for form and API). Raises with one
    message per field; returns the values to store."""
    errors: dict = {}
    out: dict = {}
    for name, limit in TEXT_LIMITS.items():
        text = (data.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
        elif text and (message := deident.identifier_in(text)):
            errors[name] = message
        out[name] = text or None
    if not out["title"] and "title" not in errors:
        errors["title"] = _("Give the session a title.")
    out["competency_codes"] = clean_competencies(data.get("competencies"), errors)
    out["timezone"] = _zone(data.get("timezone") or (session.timezone if session else actor.timezone), errors)

    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    minutes = data.get("duration_minutes")
    if starts_at is None or starts_at.tzinfo is None:
        errors["starts_at"] = _("Give the start date and time.")
    else:
        starts_at = starts_at.astimezone(timezone.utc)
        moved = session is None or starts_at != session.starts_at
        if moved and starts_at <= clock.now():
            errors["starts_at"] = _("The start must be in the future.")
        if ends_at is not None:
            if ends_at.tzinfo is None or ends_at <= starts_at:
                errors["ends_at"] = _("The end must be after the start.")
            else:
                minutes = int((ends_at - starts_at).total_seconds() // 60)
    if "ends_at" not in errors:
        if minutes is None:
            errors["duration_minutes"] = _("Give the duration in minutes.")
        elif not MIN_MINUTES <= minutes <= MAX_MINUTES:
            errors["ends_at" if ends_at is not None else "duration_minutes"] = _(
                "A session lasts between %(low)d minutes and %(high)d hours.", low=MIN_MINUTES,
                high=MAX_MINUTES // 60)
    out["starts_at"], out["duration_minutes"] = starts_at, minutes

    out["video_url"] = check_https_url(data.get("video_url"), "video_url", errors)
    out["recording_url"] = check_https_url(data.get("recording_url"), "recording_url", errors)
    out["video_generated"] = bool(data.get("generate_video")) and not out["video_url"]
    if out["video_generated"] and session is not None and session.video_generated:
        out["video_url"] = session.video_url  # an edit keeps the room it has
    elif out["video_generated"] and recurrence.generated_video_url() is None:
        errors["video_url"] = _("No video service is configured here; paste the call's https link.")
    if not (out["place"] or out["video_url"] or out["video_generated"]):
        errors["place"] = _("Give a place or a video-call link.")
    capacity = data.get("capacity")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Capacity must be between 1 and %(n)d.", n=MAX_CAPACITY)
    out["capacity"] = capacity

    out["host"] = _host(data, actor, session, errors)
    out["audience"] = _audience(data, actor, out["host"], session, errors)
    out["workshop_id"] = _workshop_id(data.get("workshop_id"), session, errors)
    _recurrence(data, out, errors, session)
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    return out


def _host(data: dict, actor: User, session, errors: dict) -> User | None:
    host_id = data.get("host_id")
    if host_id is None:
        if session is not None:
            return session.host
        if policy.is_staff(actor):
            errors["host_id"] = _("Choose the central doctor who hosts the session.")
            return None
        return actor
    if host_id == actor.id and actor.role == "mentor":
        return actor
    if not policy.is_staff(actor) and (session is None or host_id != session.host_id):
        errors["host_id"] = _("Only a coordinator can schedule a session for another host.")
        return None
    host = db.session.get(User, host_id)
    if host is None or not host.active or host.role != "mentor":
        errors["host_id"] = _("The host must be an active central doctor (mentor).")
        return None
    return host


def _audience(data: dict, actor: User, host: User | None, session, errors: dict) -> list:
    group_ids = data.get("group_ids")
    if group_ids is None and data.get("group_id") is not None:
        group_ids = [data["group_id"]]
    if group_ids is None and session is not None:
        return [(a.group_id, a.tier_code) for a in session.audiences]
    group_ids = list(dict.fromkeys(group_ids or []))
    if not group_ids:
        errors["group_ids"] = _("Choose at least one group.")
        return []
    groups = db.session.execute(select(MentoringGroup).where(MentoringGroup.id.in_(group_ids))).scalars().all()
    visible = [g for g in groups if policy.allowed(actor, "group.view", g)]
    if len(visible) != len(group_ids):
        errors["group_ids"] = _("No such group.")
        return []
    if host is not None and not policy.is_staff(actor):
        led = [g for g in visible if policy.is_group_mentor(host, g.id)]
        if len(led) != len(visible):
            errors["group_ids"] = _("You can schedule sessions only for groups you lead.")
            return []
    tiers = list(dict.fromkeys(t for t in (data.get("tiers") or []) if t))
    if any(t not in member_tiers() for t in tiers):
        errors["tiers"] = _("Choose tiers of the groups' members.")
        return []
    return [(g, t) for g in group_ids for t in (tiers or [None])]


def _workshop_id(value, session, errors: dict) -> int | None:
    if value is None:
        return session.workshop_id if session is not None else None
    if value == 0:
        return None
    if db.session.get(Workshop, value) is None:
        errors["workshop_id"] = _("No such workshop.")
    return value


def _recurrence(data: dict, out: dict, errors: dict, session) -> None:
    frequency = data.get("recurrence") or None
    if frequency == "none":
        frequency = None
    out["rule"] = recurrence.FREQUENCIES.get(frequency) if frequency else None
    out["until"] = None
    if frequency and out["rule"] is None:
        errors["recurrence"] = _("Choose weekly, every two weeks or monthly.")
        return
    if out["rule"] is None or "starts_at" in errors or out["starts_at"] is None:
        return
    until, count = data.get("until"), data.get("count")
    start = out["starts_at"]
    if until is not None and count is not None:
        errors["until"] = _("Give an end date or a number of sessions, not both.")
    elif count is not None:
        if not 1 <= count <= recurrence.MAX_OCCURRENCES:
            errors["count"] = _("Between 1 and %(n)d sessions.", n=recurrence.MAX_OCCURRENCES)
        else:
            out["until"] = recurrence.until_for_count(out["rule"], out["timezone"], start, count)
    elif until is not None:
        end = local_datetime(until, time(23, 59, 59), out["timezone"])
        if end < start:
            errors["until"] = _("The last date must be after the first session.")
        elif end - start > recurrence.MAX_SPAN:
            errors["until"] = _("A series can run for at most two years; schedule another later.")
        out["until"] = end


def input_of(session: TeachingSession) -> dict:
    """A session's current values in clean_input's shape: an API change
    names only what changes and the rest is kept."""
    return {"title": session.title, "topic": session.topic, "description": session.description,
            "competencies": list(session.competency_codes or []), "timezone": session.timezone,
            "starts_at": session.starts_at, "duration_minutes": session.duration_minutes,
            "place": session.place, "video_url": None if session.video_generated else session.video_url,
            "generate_video": session.video_generated, "capacity": session.capacity,
            "recording_url": session.recording_url, "host_id": session.host_id,
            "workshop_id": session.workshop_id}
