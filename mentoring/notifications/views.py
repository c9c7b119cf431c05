"""The bell: recent notifications, mark them read."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mentoring.bounds import id_arg, local_path
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
    # "²".isdigit() is true and int("²") a ValueError: ids are read by id_arg.
    ids = [n for i in request.form.getlist("id")[:500] if (n := _id_or_none(i)) is not None] or None
    services.mark_read(current_user, ids)
    db.session.commit()
    return redirect(local_path(request.form.get("next")) or url_for("notifications.index"))


def _id_or_none(value: str) -> int | None:
    try:
        return id_arg(value)
    except ValueError:
        return None
