"""Session pages: the calendar (agenda list and week view), scheduling and
changing a session, one session with its RSVP, join and leave, the live
room. Calendars (.ics, the subscription feed) and workshops are in
views_calendar.py; the agenda, slides, register and feedback forms in
views_teaching.py (same blueprint). Parse -> service
-> commit, or re-render with the user's text and a message per field."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from mentoring import clock
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.bounds import id_arg
from mentoring.errors import Forbidden, ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult, parse_form
from mentoring.org.models import MentoringGroup
from mentoring.org.services import member_tiers
from mentoring.sessions import agenda, attendance, feedback, queries, rsvp, services
from mentoring.sessions.models import Workshop
from mentoring.sessions.recurrence import frequency_of
from mentoring.sessions.schemas import SessionFormSchema, form_to_input, session_to_form

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

AGENDA_DAYS = 28
ZONES = ("Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
         "Europe/Paris", "Europe/London", "America/New_York", "UTC")


def _session_or_404(session_id: int):
    try:
        return queries.get_session(session_id, current_user)
    except ServiceError:
        abort(404)


def _require(action: str, session) -> None:
    if not policy.allowed(current_user, action, session):
        abort(403)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_user.timezone or "Asia/Ho_Chi_Minh")


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return clock.now().astimezone(_zone()).date()


# --- the calendar -----------------------------------------------------------

@bp.route("")
@login_required
def index():
    """Agenda (the next four weeks from ?date=) or week (?view=week)."""
    zone, day = _zone(), _day_arg()
    week = request.args.get("view") == "week"
    if week:
        day = day - timedelta(days=day.weekday())
    days = 7 if week else AGENDA_DAYS
    since = datetime.combine(day, time(), zone)
    until = datetime.combine(day + timedelta(days=days), time(), zone)
    sessions = queries.calendar(current_user, since, until)
    by_day: dict[date, list] = {}
    for s in sessions:
        by_day.setdefault(s.starts_at.astimezone(zone).date(), []).append(s)
    ids = [s.id for s in sessions]
    return render_template(
        "sessions/index.html", sessions=sessions, by_day=by_day, week=week, day=day, days=days,
        week_days=[day + timedelta(days=i) for i in range(7)], today=clock.now().astimezone(zone).date(),
        previous=day - timedelta(days=days), following=day + timedelta(days=days),
        last=day + timedelta(days=days - 1),
        rsvps=rsvp.my_rsvps(current_user, ids), clashes=queries.clashes(current_user, sessions),
        zone=zone)


# --- schedule and change ----------------------------------------------------

def _form_choices(session=None) -> dict:
    groups_stmt = policy.scope_groups(current_user, select(MentoringGroup)).order_by(MentoringGroup.name)
    groups = [g for g in db.session.execute(groups_stmt).scalars()
              if policy.allowed(current_user, "session.create", g)]
    hosts = []
    if policy.is_staff(current_user):
        hosts = db.session.execute(select(User).where(User.role == "mentor", User.active.is_(True))
                                   .order_by(User.full_name)).unique().scalars().all()
    workshops = db.session.execute(select(Workshop).order_by(Workshop.id.desc()).limit(50)).scalars().all()
    zones = list(ZONES)
    for extra in (current_user.timezone, session.timezone if session else None):
        if extra and extra not in zones:
            zones.insert(0, extra)
    return {"groups": groups, "hosts": hosts, "workshops": workshops, "zones": zones,
            "workshop_options": [(w.id, w.title) for w in workshops],
            "tiers": member_tiers()}


def _parse(session=None) -> tuple[FormResult, dict | None]:
    form = parse_form(SessionFormSchema(), request.form, checkboxes=("generate_video",))
    form.values["group_ids"] = request.form.getlist("group_ids")
    form.values["tiers"] = request.form.getlist("tiers")
    group_ids = []
    for raw in form.values["group_ids"]:
        try:
            group_ids.append(id_arg(raw))
        except ValueError:
            form.errors["group_ids"] = [_("No such group.")]
    if not form.ok:
        return form, None
    return form, form_to_input(form.data, group_ids, form.values["tiers"][:10],
                               current_user.timezone or "Asia/Ho_Chi_Minh")


def _show_service_error(form: FormResult, err: ServiceError) -> None:
    errors = dict(err.fields or {})
    for source, target in (("starts_at", "start_time"), ("ends_at", "end_time"),
                           ("duration_minutes", "end_time")):
        if source in errors:
            errors.setdefault(target, []).extend(errors.pop(source))
    if not errors:
        errors["_"] = [err.message]
    form.errors.update(errors)


def _warn_overlaps(overlaps) -> None:
    if overlaps:
        flash(_("Note: this overlaps other sessions you host: %(titles)s",
                titles="; ".join(f"{o.title} ({o.starts_at.astimezone(_zone()):%H:%M %d/%m})"
                                 for o in overlaps[:5])), "warning")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require(current_user, "session.create")
    choices = _form_choices()
    if not choices["groups"]:
        abort(403)
    start = (clock.now() + timedelta(days=7)).astimezone(_zone())
    form = FormResult({"starts_on": start.date().isoformat(), "start_time": "14:00", "end_time": "15:00",
                       "timezone": current_user.timezone, "group_ids": [str(choices["groups"][0].id)],
                       "recurrence": "none", "workshop_id": request.args.get("workshop_id", "")})
    if request.method == "POST":
        form, data = _parse()
        if data is not None:
            try:
                session, overlaps = services.schedule_session(current_user, data)
            except ServiceError as err:
                db.session.rollback()
                _show_service_error(form, err)
            else:
                db.session.commit()
                flash(_("Session scheduled. The audience has been told."), "success")
                _warn_overlaps(overlaps)
                return redirect(url_for("sessions.detail", session_id=session.id))
    return render_template("sessions/form.html", form=form, session=None, **choices), \
        (422 if form.errors else 200)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    if session.status != "scheduled":
        flash(_("This session was cancelled or has already been held; it cannot be changed."), "warning")
        return redirect(url_for("sessions.detail", session_id=session.id))
    choices = _form_choices(session)
    form = FormResult({**session_to_form(session), "recurrence": frequency_of(
        session.series.rule if session.series else None) or "none", "scope": "this"})
    if request.method == "POST":
        form, data = _parse(session)
        if data is not None:
            try:
                overlaps = services.update_session(session, current_user, data, scope=form.data["scope"])
            except ServiceError as err:
                db.session.rollback()
                session = queries.get_session(session_id)
                _show_service_error(form, err)
            else:
                db.session.commit()
                flash(_("Session updated. The audience has been told of any change of time."), "success")
                _warn_overlaps(overlaps)
                return redirect(url_for("sessions.detail", session_id=session.id))
    return render_template("sessions/form.html", form=form, session=session, **choices), \
        (422 if form.errors else 200)


def _act(session, action, success: str, anchor: str = ""):
    """Run a service for a button on the session page; refusals come back as a message."""
    try:
        result = action()
    except Forbidden:
        raise  # a refusal of access answers 403, as every door does, not a message on the page
    except ServiceError as err:
        db.session.rollback()
        flash(" ".join([err.message, *[m for ms in (err.fields or {}).values() for m in ms
                                      if m != err.message]]), "danger")
        return redirect(url_for("sessions.detail", session_id=session.id) + anchor), None
    db.session.commit()
    if success:
        flash(success, "success")
    return redirect(url_for("sessions.detail", session_id=session.id) + anchor), result


@bp.route("/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    scope = "following" if request.form.get("scope") == "following" else "this"
    return _act(session, lambda: services.cancel_session(session, current_user, scope=scope),
                _("Cancelled. Everyone invited has been told."))[0]


@bp.route("/<int:session_id>/held", methods=["POST"])
@login_required
def held(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    return _act(session, lambda: services.mark_held(session, by=current_user),
                _("Marked as held. The register is closed."))[0]


@bp.route("/<int:session_id>/recording", methods=["POST"])
@login_required
def recording(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    return _act(session, lambda: services.set_recording(session, request.form.get("recording_url")),
                _("Recording link saved."))[0]


# --- one session ------------------------------------------------------------

@bp.route("/<int:session_id>")
@login_required
def detail(session_id: int):
    session = _session_or_404(session_id)
    manage = policy.allowed(current_user, "session.manage", session)
    now = clock.now()
    context = {
        "session": session, "manage": manage, "now": now,
        "items": agenda.items(session), "materials": agenda.materials_for(session, current_user),
        "my_rsvp": rsvp.my_rsvps(current_user, [session.id]).get(session.id),
        "counts": rsvp.counts([session.id])[session.id],
        "can_rsvp": policy.allowed(current_user, "session.rsvp", session),
        "can_upload": policy.allowed(current_user, "session.material.upload", session),
        "clashes": queries.clashes(current_user, [session]).get(session.id, []),
        "next_in_series": queries.series_sessions(session, limit=6),
        "room_open": session.status != "cancelled" and session.room_opens_at <= now <= session.room_closes_at,
        "joined": attendance.is_joined(session, current_user.id),
        "feedback_given": feedback.has_given(session, current_user) if session.status == "held" else False,
        "attended_minutes": attendance.minutes_of(session, current_user.id) if session.status == "held" else None,
    }
    if manage:
        context.update(overlaps=queries.host_overlaps(session.host_id, [session.id]),
                       register=attendance.register(session) if now >= session.starts_at else [],
                       summary=feedback.session_summary(session) if session.status == "held" else None,
                       cases=agenda.case_choices(session, current_user) if session.status == "scheduled" else [],
                       invited=attendance_candidates(session))
    return render_template("sessions/detail.html", **context)


def attendance_candidates(session) -> list[User]:
    from mentoring.sessions.audience import invited_ids
    ids = invited_ids([session.id])[session.id]
    return list(db.session.execute(select(User).where(User.id.in_(ids)).order_by(User.full_name)
                                   ).unique().scalars())


@bp.route("/<int:session_id>/rsvp", methods=["POST"])
@login_required
def answer(session_id: int):
    session = _session_or_404(session_id)
    response = request.form.get("response", "")

    def run():
        return rsvp.respond(session, current_user, response)
    result, row = _act(session, run, "")
    if row is not None:
        flash(_("You are on the waiting list; you will be told if a seat frees up.") if row.waiting
              else _("Your answer was saved."), "info" if row.waiting else "success")
    return result


@bp.route("/<int:session_id>/join", methods=["POST"])
@login_required
def join(session_id: int):
    """Record the join time, then open the call (or the session's page for a room in a building)."""
    session = _session_or_404(session_id)
    _require("session.join", session)
    result, segment = _act(session, lambda: attendance.join(session, current_user), "")
    if segment is not None and session.video_url:
        return redirect(session.video_url)
    if segment is not None:
        flash(_("You are marked present. Press \"Leave\" when you go."), "success")
    return result


@bp.route("/<int:session_id>/leave", methods=["POST"])
@login_required
def leave(session_id: int):
    session = _session_or_404(session_id)
    _require("session.join", session)
    return _act(session, lambda: attendance.leave(session, current_user), _("Your leaving time was recorded."))[0]


@bp.route("/<int:session_id>/room")
@login_required
def room(session_id: int):
    """The session's live room in the chat (created on first use)."""
    from mentoring.chat import rooms as chat_rooms
    session = _session_or_404(session_id)
    room_ = chat_rooms.room_for_session(session)
    db.session.commit()
    return redirect(url_for("chat.room", room_id=room_.id))


# --- labels for the templates -----------------------------------------------

def status_label(value: str) -> str:
    return {"scheduled": _("scheduled"), "cancelled": _("cancelled"), "held": _("held")}.get(value, value)


def rsvp_label(row) -> str:
    if row is None:
        return _("not answered")
    if row.waiting:
        return _("waiting list (#%(n)d)", n=row.waitlist_position)
    return {"yes": _("going"), "no": _("not going"), "maybe": _("maybe")}.get(row.response, row.response)


def frequency_label(value: str) -> str:
    return {"none": _("Does not repeat"), "weekly": _("Every week"), "biweekly": _("Every two weeks"),
            "monthly": _("Every month")}.get(value, value)


def review_label(value: str) -> str:
    return {"in_review": _("in review"), "approved": _("approved"), "rejected": _("not approved")
            }.get(value, value)


def local(value, zone_name: str | None = None):
    return value.astimezone(ZoneInfo(zone_name)) if zone_name else value


@bp.app_context_processor
def _session_globals():
    return {"session_status_label": status_label, "rsvp_label": rsvp_label,
            "frequency_label": frequency_label, "review_label": review_label, "in_zone": local,
            "frequency_of": frequency_of}


from mentoring.sessions import views_calendar, views_teaching  # noqa: E402,F401  (its routes on this blueprint)
