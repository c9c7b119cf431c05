"""The rules of teaching sessions: scheduling (one session or a recurring
series), changing "this occurrence" or "this and all later ones",
cancelling, holding. Every door (pages, API, scheduler) calls these; they
flush, the door commits once. Input is checked in validation.py.

The read side lives in queries.py; RSVPs in rsvp.py; the register and the
functions the competency domain reads (attended_sessions, presentations,
took_part) in attendance.py; agenda and slides in agenda.py; calendars in
ical.py; ratings in feedback.py. The contract names are re-exported here."""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from mentoring import clock, signals
from mentoring.auth.models import User
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db
from mentoring.sessions import notices, recurrence, reminders
from mentoring.sessions.audience import invited_users
from mentoring.sessions.validation import FIELDS_MSG, check_https_url, clean_input, input_of  # noqa: F401
from mentoring.sessions.models import (AgendaItem, AttendanceRecord, SessionAudience, TeachingSession,
                                       Workshop)

# --- schedule ---------------------------------------------------------------

def _apply(session: TeachingSession, values: dict) -> None:
    for name in ("title", "topic", "description", "competency_codes", "timezone", "place", "video_url",
                 "video_generated", "capacity", "workshop_id"):
        setattr(session, name, values[name])
    if values["video_generated"] and not session.video_url:
        session.video_url = recurrence.generated_video_url()
    session.host_id = values["host"].id
    session.duration_minutes = values["duration_minutes"]
    session.starts_at = values["starts_at"]
    session.ends_at = values["starts_at"] + timedelta(minutes=values["duration_minutes"])
    session.updated_at = clock.now()


def _template(values: dict, actor: User) -> dict:
    return {"host_id": values["host"].id, "created_by_id": actor.id, "title": values["title"],
            "topic": values["topic"], "description": values["description"],
            "competency_codes": values["competency_codes"], "duration_minutes": values["duration_minutes"],
            "timezone": values["timezone"], "place": values["place"], "video_url": values["video_url"],
            "video_generated": values["video_generated"], "capacity": values["capacity"],
            "workshop_id": values["workshop_id"]}


def schedule_session(actor: User, data: dict) -> tuple[TeachingSession, list[TeachingSession]]:
    """A new session, or the first of a new series. Returns it with the host's
    other sessions it overlaps (a warning, not a refusal)."""
    values = clean_input(data, actor=actor)
    audience = [(group_id, tier) for group_id, tier in values["audience"]]
    if values["rule"]:
        series = recurrence.create_series(_template(values, actor), values["rule"], values["timezone"],
                                          values["starts_at"], values["until"])
        ids = recurrence.materialise(series, _template(values, actor), audience)
        session = db.session.get(TeachingSession, ids[0])
        kind = "session.series_invited"
    else:
        session = TeachingSession(created_by_id=actor.id, status="scheduled", sequence=0,
                                  created_at=clock.now())
        _apply(session, values)
        session.audiences = [SessionAudience(group_id=g, tier_code=t) for g, t in audience]
        db.session.add(session)
        db.session.flush()
        reminders.schedule(session)
        ids = [session.id]
        kind = "session.invited"
    notices.tell([u for u in invited_users(session) if u.id != actor.id], kind, session)
    db.session.flush()
    from mentoring.sessions.queries import host_overlaps
    return session, host_overlaps(session.host_id, ids)


def _register_ids(session: TeachingSession) -> list[int]:
    return list(db.session.execute(select(AttendanceRecord.user_id).where(
        AttendanceRecord.session_id == session.id)).scalars())


def _presenter_ids(session: TeachingSession) -> list[int]:
    return [i for i in db.session.execute(select(AgendaItem.presenter_id).where(
        AgendaItem.session_id == session.id, AgendaItem.presenter_id.is_not(None))).scalars()]


def _require_scheduled(session: TeachingSession) -> None:
    if session.status != "scheduled":
        raise Conflict(_("This session was cancelled or has already been held; it cannot be changed."))


def _check_capacity(session: TeachingSession, capacity: int | None) -> None:
    from mentoring.sessions.rsvp import seats_taken
    taken = seats_taken(session)
    if capacity is not None and capacity < taken:
        message = _("%(n)d people already have a seat; the capacity cannot be lower.", n=taken)
        raise ValidationFailed(message, fields={"capacity": message})


def update_session(session: TeachingSession, actor: User, data: dict, *, scope: str = "this"
                   ) -> list[TeachingSession]:
    """Change one occurrence ("this") or this and every later one of its
    series ("following"). Returns the host's sessions it now overlaps."""
    _require_scheduled(session)
    values = clean_input(data, actor=actor, session=session)
    _check_capacity(session, values["capacity"])
    if scope == "following" and session.series_id is not None:
        ids = _update_following(session, actor, values)
    else:
        _update_one(session, values, notify=True)
        ids = [session.id]
    db.session.flush()
    from mentoring.sessions.queries import host_overlaps
    return host_overlaps(session.host_id, ids)


def _update_one(session: TeachingSession, values: dict, *, notify: bool) -> bool:
    moved = values["starts_at"] != session.starts_at or values["duration_minutes"] != session.duration_minutes
    _apply(session, values)
    _set_audience(session, values["audience"])
    session.recording_url = values["recording_url"] or session.recording_url
    session.sequence += 1
    db.session.flush()
    if moved:
        reminders.move(session)
        if notify:
            notices.tell(invited_users(session, without_declined=True), "session.changed", session)
        _attendance_changed(session)
        from mentoring.sessions.rsvp import promote_waiting
        promote_waiting(session)
    elif values["capacity"] is not None:
        from mentoring.sessions.rsvp import promote_waiting
        promote_waiting(session)
    return moved


def _set_audience(session: TeachingSession, audience: list) -> None:
    wanted = sorted(audience, key=lambda a: (a[0], a[1] or ""))
    have = sorted(((a.group_id, a.tier_code) for a in session.audiences), key=lambda a: (a[0], a[1] or ""))
    if wanted != have:
        session.audiences = [SessionAudience(group_id=g, tier_code=t) for g, t in wanted]


def _attendance_changed(session: TeachingSession) -> None:
    ids = _register_ids(session)
    if ids:
        signals.attendance_changed.send(session.id, user_ids=ids)


def _update_following(session: TeachingSession, actor: User, values: dict) -> list[int]:
    """Split the series at this occurrence: the earlier ones keep the old rule,
    this and the later ones follow the new one. Rows are reused in order
    (their RSVPs, reminders and rooms stay); rows the new rule no longer
    needs are cancelled, and missing ones are added."""
    series = session.series
    later = list(db.session.execute(select(TeachingSession).where(
        TeachingSession.series_id == series.id, TeachingSession.status != "held",
        TeachingSession.original_start >= session.original_start).order_by(TeachingSession.original_start)
    ).scalars())
    rule = values["rule"] or series.rule
    until = values["until"]
    if until is None and series.until is not None:  # the same end, moved as this occurrence moved
        until = series.until + (values["starts_at"] - session.original_start)
    template = {**_template(values, actor), "created_by_id": session.created_by_id}
    if session.original_start == series.dtstart:
        target = series
        target.rule, target.timezone, target.dtstart, target.until = (rule, values["timezone"],
                                                                      values["starts_at"], until)
    else:
        series.until = session.original_start - timedelta(seconds=1)
        target = recurrence.create_series(template, rule, values["timezone"], values["starts_at"], until)
    end = min(recurrence.horizon(), until) if until else recurrence.horizon()
    starts = recurrence.expand(rule, values["timezone"], values["starts_at"], end)
    for row in later:  # free the (series, original_start) keys before reassigning them
        row.original_start = None
    db.session.flush()
    duration = timedelta(minutes=values["duration_minutes"])
    for row, start in zip(later, starts):  # by position: an occurrence cancelled alone stays cancelled
        row.series_id, row.original_start = target.id, start
        if row.status == "scheduled":
            _update_one(row, {**values, "starts_at": start}, notify=False)
        else:
            row.starts_at, row.ends_at = start, start + duration
    for row in later[len(starts):]:
        if row.status == "scheduled":
            _cancel_one(row, notify=False)
    target.materialised_until = values["starts_at"] - timedelta(seconds=1)
    db.session.flush()
    recurrence.materialise(target, template, values["audience"], end)
    notices.tell(invited_users(session, without_declined=True), "session.series_changed", session)
    return [row.id for row in later[:len(starts)] if row.status == "scheduled"]


# --- cancel, hold -----------------------------------------------------------

def _cancel_one(session: TeachingSession, *, notify: bool) -> None:
    if notify:
        people = invited_users(session, without_declined=True)
    session.status, session.cancelled_at = "cancelled", clock.now()
    session.sequence += 1
    session.updated_at = clock.now()
    reminders.drop(session)
    db.session.flush()
    if notify:
        notices.tell(people, "session.cancelled", session)
    presenters = _presenter_ids(session)
    if presenters:
        signals.presentation_changed.send(session.id, user_ids=presenters)
    _attendance_changed(session)


def cancel_session(session: TeachingSession, actor: User, *, scope: str = "this") -> int:
    """Cancel one occurrence, or this and all later ones (the series ends
    before it). Everyone invited who had not declined is told. Returns how
    many sessions were cancelled."""
    _require_scheduled(session)
    if scope != "following" or session.series_id is None:
        _cancel_one(session, notify=True)
        return 1
    series = session.series
    later = list(db.session.execute(select(TeachingSession).where(
        TeachingSession.series_id == series.id, TeachingSession.status == "scheduled",
        TeachingSession.original_start >= session.original_start)).scalars())
    people = invited_users(session, without_declined=True)
    for row in later:
        _cancel_one(row, notify=False)
    series.until = session.original_start - timedelta(seconds=1)
    notices.tell(people, "session.series_cancelled", session)
    db.session.flush()
    return len(later)


def mark_held(session: TeachingSession, by: User | None = None) -> TeachingSession:
    """The session took place: by the host's button (after its start) or by
    the job at its end. The register closes and the other domains are told."""
    if session.status == "held":
        return session
    if session.status == "cancelled":
        raise Conflict(_("A cancelled session cannot be marked as held."))
    if by is not None and clock.now() < session.starts_at:
        raise Conflict(_("A session can be marked as held only once it has started."))
    from mentoring.sessions.attendance import close_open_segments
    close_open_segments(session, at=min(clock.now(), session.ends_at))
    session.status, session.held_at = "held", clock.now()
    session.updated_at = clock.now()
    reminders.drop(session, ("reminder", "slides"))
    db.session.flush()
    _attendance_changed(session)
    presenters = _presenter_ids(session)
    if presenters:
        signals.presentation_changed.send(session.id, user_ids=presenters)
    return session


def set_recording(session: TeachingSession, url: str | None) -> TeachingSession:
    errors: dict = {}
    value = check_https_url(url, "recording_url", errors)
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    if session.status == "cancelled":
        raise Conflict(_("This session was cancelled."))
    session.recording_url = value
    session.updated_at = clock.now()
    db.session.flush()
    return session


def create_workshop(actor: User, title: str, description: str | None) -> Workshop:
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the workshop a title.")
    elif len(title) > 200:
        errors["title"] = _("At most %(n)d characters.", n=200)
    if description and len(description) > 5000:
        errors["description"] = _("At most %(n)d characters.", n=5000)
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    workshop = Workshop(title=title, description=(description or "").strip() or None,
                        created_by_id=actor.id, created_at=clock.now())
    db.session.add(workshop)
    db.session.flush()
    return workshop


# The contract other domains build against (CONTRACTS.md).
from mentoring.sessions.attendance import (AttendedSession, Presentation, attended_sessions,  # noqa: E402,F401
                                           presentations, took_part)
from mentoring.sessions.queries import upcoming_for  # noqa: E402,F401
