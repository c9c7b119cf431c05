"""The session routes of API.md (list, schedule, read, RSVP, attendance, .ics)
and a few more for the phone app (change, cancel, join, leave, feedback).
Parse with a schema, ask the policy, call a service, commit once."""
from flask import Response, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from mentoring.api.core import ErrorSchema, page_body, page_schema
from mentoring.audit.services import record as audit_record
from mentoring.auth import policy
from mentoring.errors import Forbidden
from mentoring.extensions import db
from mentoring.sessions import agenda, attendance, feedback, ical, queries, rsvp, services
from mentoring.sessions.schemas import (AttendanceInSchema, AttendanceSchema, CancelInSchema, FeedbackInSchema,
                                        FeedbackSchema, RsvpInSchema, RsvpSchema, SessionChangeSchema,
                                        SessionDetailSchema, SessionInSchema, SessionListArgs, SessionSchema)

blp = Blueprint("sessions_api", __name__, url_prefix="/api/v1", description="Teaching sessions")

SessionPageSchema = page_schema(SessionSchema, "SessionPage")


def _detail(session, warnings=()):
    session._agenda = agenda.items(session)
    session._materials = agenda.materials_for(session, current_user)
    mine = rsvp.my_rsvps(current_user, [session.id]).get(session.id)
    session._my_rsvp = None if mine is None else {"response": mine.response, "waiting": mine.waiting,
                                                  "waitlist_position": mine.waitlist_position}
    session._counts = rsvp.counts([session.id])[session.id]
    session._warnings = [{"id": o.id, "title": o.title, "starts_at": o.starts_at.isoformat()} for o in warnings]
    return session


@blp.route("/sessions", methods=["GET"])
@blp.arguments(SessionListArgs, location="query")
@blp.response(200, SessionPageSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def list_sessions(args):
    """Sessions the caller may see overlapping [from, to), soonest first."""
    return page_body(queries.page_between(current_user, args["since"], args["until"], args["page"],
                                          args["per_page"], workshop_id=args["workshop_id"]))


@blp.route("/sessions", methods=["POST"])
@blp.arguments(SessionInSchema)
@blp.response(201, SessionDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="Bad times or link, a group the host does not lead")
@login_required
def create_session(body):
    """Schedule a session (or, with "recurrence", a series; the first one is
    returned). "warnings" lists the host's overlapping sessions."""
    policy.require(current_user, "session.create")
    session, overlaps = services.schedule_session(current_user, body)
    db.session.commit()
    return _detail(queries.get_session(session.id), overlaps)


@blp.route("/sessions/<int:session_id>", methods=["GET"])
@blp.response(200, SessionDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def get_session(session_id: int):
    return _detail(queries.get_session(session_id, current_user))


@blp.route("/sessions/<int:session_id>", methods=["PATCH"])
@blp.arguments(SessionChangeSchema)
@blp.response(200, SessionDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Cancelled or already held")
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def change_session(body, session_id: int):
    """Change the named fields; "scope": "following" changes this and all later sessions of its series."""
    session = queries.get_session(session_id, current_user)
    policy.require(current_user, "session.manage", session)
    named = set(request.get_json(silent=True) or {})  # only what the caller named changes
    data = {**services.input_of(session), **{k: v for k, v in body.items() if k in named}}
    overlaps = services.update_session(session, current_user, data, scope=body["scope"])
    db.session.commit()
    return _detail(queries.get_session(session.id), overlaps)


@blp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@blp.arguments(CancelInSchema)
@blp.response(200, SessionDetailSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@login_required
def cancel_session(body, session_id: int):
    session = queries.get_session(session_id, current_user)
    policy.require(current_user, "session.manage", session)
    services.cancel_session(session, current_user, scope=body["scope"])
    db.session.commit()
    return _detail(queries.get_session(session.id))


@blp.route("/sessions/<int:session_id>/rsvp", methods=["POST"])
@blp.arguments(RsvpInSchema)
@blp.response(200, RsvpSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema, description="The session is not addressed to you")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Cancelled or over")
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def answer(body, session_id: int):
    """yes, no or maybe; a "yes" to a full session joins the waiting list ("waiting": true)."""
    session = queries.get_session(session_id, current_user)
    row = rsvp.respond(session, current_user, body["response"])
    db.session.commit()
    return row


@blp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@blp.arguments(AttendanceInSchema)
@blp.response(200, AttendanceSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Cancelled, or not started yet")
@blp.alt_response(422, schema=ErrorSchema, description="A change to an existing entry needs a reason")
@login_required
def record_attendance(body, session_id: int):
    """The host or a coordinator takes the register: "attended" true (the full
    duration) or false, or exact "minutes". Changing someone already on the
    register is a correction and needs a "reason"."""
    session = queries.get_session(session_id, current_user)
    policy.require(current_user, "session.manage", session)
    minutes = body["minutes"]
    if minutes is None:
        minutes = session.duration_minutes if body["attended"] else 0
    record = attendance.correct(session, current_user, body["user_id"], minutes, body["reason"],
                                reason_required=False)
    db.session.commit()
    return {"session_id": session.id, "user_id": record.user_id, "minutes": record.minutes,
            "corrected": record.corrected,
            "attended": attendance.counts_as_attended(record.minutes, session.duration_minutes)}


def _attendance_of(session, record):
    minutes = record.minutes if record is not None else 0
    return {"session_id": session.id, "user_id": current_user.id, "minutes": minutes,
            "corrected": bool(record and record.corrected),
            "attended": attendance.counts_as_attended(minutes, session.duration_minutes)}


@blp.route("/sessions/<int:session_id>/join", methods=["POST"])
@blp.response(200, AttendanceSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Not open yet, over or cancelled")
@login_required
def join(session_id: int):
    """Record the caller's join time (the app then opens the session's video_url)."""
    session = queries.get_session(session_id, current_user)
    if not policy.allowed(current_user, "session.join", session):
        raise Forbidden()
    attendance.join(session, current_user)
    record = attendance.recompute(session, [current_user.id])[0]
    db.session.commit()
    return _attendance_of(session, record)


@blp.route("/sessions/<int:session_id>/leave", methods=["POST"])
@blp.response(200, AttendanceSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def leave(session_id: int):
    session = queries.get_session(session_id, current_user)
    record = attendance.leave(session, current_user)
    db.session.commit()
    return _attendance_of(session, record)


@blp.route("/sessions/<int:session_id>/feedback", methods=["POST"])
@blp.arguments(FeedbackInSchema)
@blp.response(201, FeedbackSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Not held yet, not attended, or already rated")
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def rate(body, session_id: int):
    session = queries.get_session(session_id, current_user)
    policy.require(current_user, "session.feedback", session)
    row = feedback.give_feedback(session, current_user, body["rating"], body["comment"])
    db.session.commit()
    return row


@blp.route("/sessions/<int:session_id>/ics", methods=["GET"])
@blp.response(200, description="text/calendar (RFC 5545)")
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def ics(session_id: int):
    session = queries.get_session(session_id, current_user)
    audit_record("session.calendar_exported", target_kind="session", target_id=session.id, durable=True)
    response = Response(ical.calendar_bytes([session]), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="session-{session.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
