"""The register. The join button opens a segment (and the call), leaving
or the session's end closes it; a person's minutes are the union of their
segments within the session's time. The host or a coordinator corrects a
line afterwards with a reason, kept with who and when. Attendance at or
above MENTORING_SESSION_ATTENDANCE_SHARE of the duration (default 80%)
counts as attended.

attended_sessions, presentations and took_part are the contract the
competency domain reads (CONTRACTS.md): a fixed number of queries, whatever
the number of rows."""
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from mentoring import clock, signals
from mentoring.audit.services import record as audit_record
from mentoring.auth.models import User
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db
from mentoring.sessions.audience import invited_ids
from mentoring.sessions.models import (AgendaItem, AttendanceCorrection, AttendanceRecord, AttendanceSegment,
                                       TeachingSession)

DEFAULT_SHARE = 0.8
MAX_REASON = 500


def attendance_share() -> float:
    return float(current_app.config.get("MENTORING_SESSION_ATTENDANCE_SHARE") or DEFAULT_SHARE)


def counts_as_attended(minutes: int, duration: int) -> bool:
    return duration > 0 and minutes >= attendance_share() * duration


# --- join and leave ---------------------------------------------------------

def join(session: TeachingSession, user: User) -> AttendanceSegment:
    """Record the join time (the door then opens the call). Joining twice
    without leaving keeps the first segment."""
    now = clock.now()
    if session.status == "cancelled":
        raise Conflict(_("This session was cancelled."))
    if session.status == "held" or now > session.ends_at:
        raise Conflict(_("This session has ended."))
    if now < session.room_opens_at:
        raise Conflict(_("You can join from 15 minutes before the start."))
    open_segment = _open_segment(session, user.id)
    if open_segment is not None:
        return open_segment
    segment = AttendanceSegment(session_id=session.id, user_id=user.id, joined_at=now)
    db.session.add(segment)
    _record(session, user.id)
    db.session.flush()
    signals.attendance_changed.send(session.id, user_ids=[user.id])
    return segment


def leave(session: TeachingSession, user: User) -> AttendanceRecord | None:
    segment = _open_segment(session, user.id)
    if segment is None:
        return None
    segment.left_at = max(segment.joined_at, min(clock.now(), session.ends_at))
    db.session.flush()
    record = recompute(session, [user.id])[0]
    signals.attendance_changed.send(session.id, user_ids=[user.id])
    return record


def close_open_segments(session: TeachingSession, at: datetime) -> list[int]:
    """The session ended: whoever is still in it leaves at `at`."""
    segments = list(db.session.execute(select(AttendanceSegment).where(
        AttendanceSegment.session_id == session.id, AttendanceSegment.left_at.is_(None))).scalars())
    for segment in segments:
        segment.left_at = max(segment.joined_at, at)
    db.session.flush()
    user_ids = sorted({s.user_id for s in segments})
    if user_ids:
        recompute(session, user_ids)
        signals.attendance_changed.send(session.id, user_ids=user_ids)
    return user_ids


def _open_segment(session, user_id) -> AttendanceSegment | None:
    return db.session.execute(select(AttendanceSegment).where(
        AttendanceSegment.session_id == session.id, AttendanceSegment.user_id == user_id,
        AttendanceSegment.left_at.is_(None)).limit(1)).scalar_one_or_none()


def is_joined(session, user_id) -> bool:
    return _open_segment(session, user_id) is not None


def minutes_of(session, user_id) -> int | None:
    """The person's minutes on the register, or None if they are not on it."""
    return db.session.execute(select(AttendanceRecord.minutes).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == user_id)).scalar()


def _record(session, user_id) -> AttendanceRecord:
    record = db.session.execute(select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == user_id)).scalar_one_or_none()
    if record is None:
        record = AttendanceRecord(session_id=session.id, user_id=user_id, minutes=0, corrected=False,
                                  updated_at=clock.now())
        db.session.add(record)
        db.session.flush()
    return record


def minutes_from(segments, session: TeachingSession, now: datetime | None = None) -> int:
    """The union of the segments within the session's time, in whole minutes."""
    now = now or clock.now()
    spans = sorted((max(s.joined_at, session.starts_at), min(s.left_at or now, session.ends_at))
                   for s in segments)
    total, current_start, current_end = 0.0, None, None
    for start, end in spans:
        if end <= start:
            continue
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return int(total // 60)


def recompute(session: TeachingSession, user_ids: list[int]) -> list[AttendanceRecord]:
    """Minutes from the segments, except on lines a person corrected by hand."""
    segments: dict[int, list] = {}
    for segment in db.session.execute(select(AttendanceSegment).where(
            AttendanceSegment.session_id == session.id, AttendanceSegment.user_id.in_(user_ids))).scalars():
        segments.setdefault(segment.user_id, []).append(segment)
    records = [_record(session, uid) for uid in user_ids]
    for record in records:
        if not record.corrected:
            record.minutes = minutes_from(segments.get(record.user_id, []), session)
            record.updated_at = clock.now()
    db.session.flush()
    return records


# --- corrections ------------------------------------------------------------

def correct(session: TeachingSession, actor: User, user_id: int, minutes: int, reason: str | None, *,
            reason_required: bool = True) -> AttendanceRecord:
    """Set a person's minutes by hand. A reason is required (and kept with who
    and when); the API's first marking of someone not yet on the register
    (reason_required=False) is recording, not correcting."""
    errors = {}
    reason = (reason or "").strip()
    if session.status == "cancelled":
        raise Conflict(_("This session was cancelled."))
    if clock.now() < session.starts_at:
        raise Conflict(_("The register can be changed once the session has started."))
    record = db.session.execute(select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == user_id)).scalar_one_or_none()
    if record is None and user_id not in invited_ids([session.id]).get(session.id, set()):
        errors["user_id"] = _("This person is not invited to this session.")
    if not isinstance(minutes, int) or not 0 <= minutes <= session.duration_minutes:
        errors["minutes"] = _("Between 0 and %(n)d minutes.", n=session.duration_minutes)
    if len(reason) > MAX_REASON:
        errors["reason"] = _("At most %(n)d characters.", n=MAX_REASON)
    elif not reason and (reason_required or record is not None):
        errors["reason"] = _("Give the reason for the correction.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    record = record or _record(session, user_id)
    previous = record.minutes
    record.minutes, record.corrected, record.updated_at = minutes, True, clock.now()
    db.session.add(AttendanceCorrection(record_id=record.id, previous_minutes=previous, minutes=minutes,
                                        reason=reason or None, corrected_by_id=actor.id,
                                        created_at=clock.now()))
    db.session.flush()
    signals.attendance_changed.send(session.id, user_ids=[user_id])
    return record


# --- the register -----------------------------------------------------------

@dataclass
class RegisterLine:
    user: User
    minutes: int = 0
    attended: bool = False
    joined: list = field(default_factory=list)   # segments
    corrections: list = field(default_factory=list)
    on_register: bool = False


def register(session: TeachingSession) -> list[RegisterLine]:
    """Everyone invited and anyone on the register, with minutes, segments and
    corrections. A fixed number of queries whatever the size."""
    records = {r.user_id: r for r in db.session.execute(select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id)).scalars()}
    ids = invited_ids([session.id]).get(session.id, set()) | set(records)
    ids.discard(session.host_id)
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).unique().scalars()}
    lines = {uid: RegisterLine(user=users[uid]) for uid in ids if uid in users}
    for segment in db.session.execute(select(AttendanceSegment).where(
            AttendanceSegment.session_id == session.id).order_by(AttendanceSegment.joined_at)).scalars():
        if segment.user_id in lines:
            lines[segment.user_id].joined.append(segment)
    by_record = {r.id: r.user_id for r in records.values()}
    if by_record:
        for correction in db.session.execute(select(AttendanceCorrection).where(
                AttendanceCorrection.record_id.in_(list(by_record))).order_by(AttendanceCorrection.id)
        ).scalars():
            lines[by_record[correction.record_id]].corrections.append(correction)
    for uid, line in lines.items():
        record = records.get(uid)
        if record is not None:
            line.on_register = True
            line.minutes = record.minutes if record.corrected or session.status != "scheduled" \
                else minutes_from(line.joined, session)
        line.attended = counts_as_attended(line.minutes, session.duration_minutes)
    return sorted(lines.values(), key=lambda line: (not line.on_register, line.user.full_name))


def register_csv(session: TeachingSession, actor: User) -> str:
    """The register as CSV (audit-logged: it lists people and their attendance)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["session_id", "title", "starts_at_utc", "user_id", "full_name", "email", "minutes",
                     "attended", "corrected", "last_reason"])
    lines = register(session)
    for line in lines:
        last = line.corrections[-1] if line.corrections else None
        writer.writerow([session.id, _csv_safe(session.title), session.starts_at.isoformat(), line.user.id,
                         _csv_safe(line.user.full_name), line.user.email, line.minutes,
                         "yes" if line.attended else "no", "yes" if last else "no",
                         _csv_safe(last.reason or "") if last else ""])
    audit_record("session.register_exported", actor=actor, target_kind="session", target_id=session.id,
                 rows=len(lines))
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with =, +, - or @ as formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# --- the contract (CONTRACTS.md) --------------------------------------------

@dataclass(frozen=True)
class AttendedSession:
    session_id: int
    user_id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    minutes_attended: int
    attended: bool
    competency_codes: tuple[str, ...]


@dataclass(frozen=True)
class Presentation:
    session_id: int
    agenda_item_id: int
    user_id: int
    title: str
    starts_at: datetime
    case_id: int | None


def attended_sessions(user_ids: list[int] | None, since: datetime, until: datetime) -> list[AttendedSession]:
    """Held sessions starting in [since, until), one row per person on the
    register (user_ids=None: everyone). One query."""
    stmt = (select(AttendanceRecord.user_id, AttendanceRecord.minutes, TeachingSession.id,
                   TeachingSession.title, TeachingSession.starts_at, TeachingSession.duration_minutes,
                   TeachingSession.competency_codes)
            .join(TeachingSession, TeachingSession.id == AttendanceRecord.session_id)
            .where(TeachingSession.status == "held", TeachingSession.starts_at >= since,
                   TeachingSession.starts_at < until)
            .order_by(TeachingSession.starts_at, AttendanceRecord.user_id))
    if user_ids is not None:
        if not user_ids:
            return []
        stmt = stmt.where(AttendanceRecord.user_id.in_(user_ids))
    return [AttendedSession(session_id=sid, user_id=uid, title=title, starts_at=starts,
                            duration_minutes=duration, minutes_attended=minutes,
                            attended=counts_as_attended(minutes, duration),
                            competency_codes=tuple(codes or ()))
            for uid, minutes, sid, title, starts, duration, codes in db.session.execute(stmt).all()]


def presentations(user_ids: list[int] | None, since: datetime, until: datetime) -> list[Presentation]:
    """Presenters of agenda items of held sessions starting in [since, until). One query."""
    stmt = (select(AgendaItem.id, AgendaItem.presenter_id, AgendaItem.title, AgendaItem.case_id,
                   TeachingSession.id, TeachingSession.starts_at)
            .join(TeachingSession, TeachingSession.id == AgendaItem.session_id)
            .where(TeachingSession.status == "held", TeachingSession.starts_at >= since,
                   TeachingSession.starts_at < until, AgendaItem.presenter_id.is_not(None))
            .order_by(TeachingSession.starts_at, AgendaItem.position, AgendaItem.id))
    if user_ids is not None:
        if not user_ids:
            return []
        stmt = stmt.where(AgendaItem.presenter_id.in_(user_ids))
    return [Presentation(session_id=sid, agenda_item_id=item_id, user_id=uid, title=title, starts_at=starts,
                         case_id=case_id)
            for item_id, uid, title, case_id, sid, starts in db.session.execute(stmt).all()]


def took_part(user_id: int, session_id: int) -> bool:
    """Attended (threshold met) or presented at that held session."""
    session = db.session.get(TeachingSession, session_id)
    if session is None or session.status != "held":
        return False
    minutes = db.session.execute(select(AttendanceRecord.minutes).where(
        AttendanceRecord.session_id == session_id, AttendanceRecord.user_id == user_id)).scalar()
    if minutes is not None and counts_as_attended(minutes, session.duration_minutes):
        return True
    return db.session.execute(select(AgendaItem.id).where(
        AgendaItem.session_id == session_id, AgendaItem.presenter_id == user_id).limit(1)).first() is not None
