"""Session pages, teaching side (routes on the sessions blueprint): the
agenda and its presenters, slides and their review, the register with its
corrections and CSV export, ratings and their summaries."""
from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentoring import uploads
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.bounds import accepts_upload, id_arg
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.sessions import agenda, attendance, feedback
from mentoring.sessions.views import _act, _require, _session_or_404, bp


def _int(name: str, low: int = 0, high: int = 100_000) -> int | None:
    try:
        value = int(request.form.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _id(name: str) -> int | None:
    return request.form.get(name, type=id_arg)


# --- agenda -----------------------------------------------------------------

@bp.route("/<int:session_id>/agenda", methods=["POST"])
@login_required
def add_agenda_item(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    data = {"kind": request.form.get("kind", "didactic")[:20], "title": request.form.get("title", "")[:1000],
            "minutes": _int("minutes", 1, 10_000), "presenter_id": _id("presenter_id"),
            "case_id": _id("case_id")}
    return _act(session, lambda: agenda.add_item(session, current_user, data),
                _("Added to the agenda."), "#agenda")[0]


@bp.route("/<int:session_id>/agenda/<int:item_id>/presenter", methods=["POST"])
@login_required
def set_presenter(session_id: int, item_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)

    def run():
        return agenda.assign_presenter(session, agenda.get_item(session, item_id), _id("presenter_id"))
    return _act(session, run, _("Presenter saved."), "#agenda")[0]


@bp.route("/<int:session_id>/agenda/<int:item_id>/delete", methods=["POST"])
@login_required
def remove_agenda_item(session_id: int, item_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    return _act(session, lambda: agenda.remove_item(session, agenda.get_item(session, item_id)),
                _("Removed from the agenda."), "#agenda")[0]


# --- materials --------------------------------------------------------------

@bp.route("/<int:session_id>/materials", methods=["POST"])
@login_required
@accepts_upload
def upload(session_id: int):
    session = _session_or_404(session_id)
    _require("session.material.upload", session)
    manage = policy.allowed(current_user, "session.manage", session)
    return _act(session, lambda: agenda.upload_material(
        session, current_user, request.files.get("file"), request.form.get("title", "")[:1000],
        _id("agenda_item_id")),
        _("File added.") if manage else _("Slides sent. The host will review them before the audience "
                                          "sees them."), "#materials")[0]


@bp.route("/<int:session_id>/materials/<int:material_id>")
@login_required
def material(session_id: int, material_id: int):
    session = _session_or_404(session_id)  # the policy first: 404 for those who may not see the session
    try:
        found = agenda.get_material(session, current_user, material_id)
    except ServiceError:
        abort(404)
    ext = found.stored_name.rsplit(".", 1)[-1]
    return uploads.send(found.stored_name, found.content_type, f"session-{session.id}-{found.id}.{ext}")


@bp.route("/<int:session_id>/materials/<int:material_id>/review", methods=["POST"])
@login_required
def review(session_id: int, material_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    try:
        found = agenda.get_material(session, current_user, material_id)
    except ServiceError:
        abort(404)
    approve = request.form.get("decision") == "approve"
    return _act(session, lambda: agenda.review_material(session, found, current_user, approve,
                                                        request.form.get("reason", "")[:1000]),
                _("Approved: the audience can see it.") if approve else _("Sent back to the presenter."),
                "#materials")[0]


# --- register ---------------------------------------------------------------

@bp.route("/<int:session_id>/register", methods=["POST"])
@login_required
def correct(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    user_id, minutes = _id("user_id"), _int("minutes", -1, 100_000)
    return _act(session, lambda: attendance.correct(session, current_user, user_id or 0,
                                                    minutes if minutes is not None else -1,
                                                    request.form.get("reason", "")[:1000]),
                _("Register corrected."), "#register")[0]


@bp.route("/<int:session_id>/register.csv")
@login_required
def register_csv(session_id: int):
    session = _session_or_404(session_id)
    _require("session.manage", session)
    body = attendance.register_csv(session, current_user)
    db.session.commit()  # the export's audit entry
    response = Response("\ufeff" + body, mimetype="text/csv")  # BOM: Excel reads the Vietnamese right
    response.headers["Content-Disposition"] = f'attachment; filename="register-session-{session.id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- feedback ---------------------------------------------------------------

@bp.route("/<int:session_id>/feedback", methods=["POST"])
@login_required
def rate(session_id: int):
    session = _session_or_404(session_id)
    _require("session.feedback", session)
    return _act(session, lambda: feedback.give_feedback(session, current_user, _int("rating", -10, 10),
                                                        request.form.get("comment", "")[:3000]),
                _("Thank you for your rating."), "#feedback")[0]


@bp.route("/feedback")
@login_required
def feedback_summary():
    """Ratings per host and per session: coordinators see everyone, a host their own."""
    host_id = request.args.get("host_id", type=id_arg)
    if not policy.is_staff(current_user):
        host_id = current_user.id
    host = db.session.get(User, host_id) if host_id else None
    policy.require(current_user, "session.feedback.summary", host)
    return render_template("sessions/feedback.html", hosts=feedback.by_host(host_id),
                           sessions=feedback.per_session(host_id), host=host)
