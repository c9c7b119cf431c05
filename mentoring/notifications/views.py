"""The bell: recent notifications, mark them read."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mentoring.extensions import db
from mentoring.notifications import services

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index():
    notes = services.recent(current_user)
    return render_template("notifications/index.html",
                           notes=[(n, services.render(n, current_user.language)) for n in notes])


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    services.mark_read(current_user, ids)
    db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("notifications.index"))
