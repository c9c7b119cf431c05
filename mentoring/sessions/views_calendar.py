"""Session pages, calendar side (routes on the sessions blueprint): one
session's .ics, the subscription feed and its page, and workshops."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from mentoring.audit.services import record as audit_record
from mentoring.auth import policy
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult
from mentoring.sessions import ical, queries, services
from mentoring.sessions.models import Workshop
from mentoring.sessions.views import _session_or_404, bp


# --- calendars --------------------------------------------------------------

def _ics(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:session_id>/calendar.ics")
@login_required
def session_ics(session_id: int):
    session = _session_or_404(session_id)
    audit_record("session.calendar_exported", target_kind="session", target_id=session.id, durable=True)
    return _ics(ical.calendar_bytes([session]), f"session-{session.id}.ics")


@bp.route("/feed/<string:token>.ics")
def feed(token: str):
    """The subscription feed: no login, the secret in the URL is the key."""
    user = ical.user_for_feed(token)
    if user is None:
        abort(404)
    return _ics(ical.calendar_bytes(ical.feed_sessions(user), name=_("Teaching sessions")), "sessions.ics")


@bp.route("/subscription", methods=["GET", "POST"])
@login_required
def subscription():
    url = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            ical.revoke_feed(current_user)
            flash(_("The subscription link was revoked; calendars using it stop updating."), "success")
        else:
            raw = ical.issue_feed_token(current_user)
            url = url_for("sessions.feed", token=raw, _external=True)
            flash(_("New subscription link made. Any older link no longer works."), "success")
        db.session.commit()
    return render_template("sessions/subscription.html", url=url, active=ical.active_token(current_user))


# --- workshops --------------------------------------------------------------

@bp.route("/workshops", methods=["GET", "POST"])
@login_required
def workshops():
    form = FormResult({})
    if request.method == "POST":
        policy.require(current_user, "workshop.manage")
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        try:
            workshop = services.create_workshop(current_user, values.get("title", "")[:1000],
                                                values.get("description", "")[:6000])
        except ServiceError as err:
            db.session.rollback()
            form = FormResult(values, errors=err.fields)
        else:
            db.session.commit()
            return redirect(url_for("sessions.workshop", workshop_id=workshop.id))
    rows = db.session.execute(select(Workshop).order_by(Workshop.id.desc()).limit(100)).scalars().all()
    return render_template("sessions/workshops.html", workshops=rows, form=form), (422 if form.errors else 200)


@bp.route("/workshops/<int:workshop_id>")
@login_required
def workshop(workshop_id: int):
    found = db.session.get(Workshop, workshop_id) or abort(404)
    page = queries.page_between(current_user, None, None, request.args.get("page", 1, type=int), 50,
                                workshop_id=found.id)
    return render_template("sessions/workshop.html", workshop=found, page=page)
