"""The admin's audit page: filter by who, what, when and from where, page
through, export the filtered result as CSV (the export is itself audited).
Also commits the entries recorded durable=True (see services.record)."""
import csv
import io
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, render_template, request, stream_with_context
from flask_login import current_user, login_required
from sqlalchemy import inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.exc import SQLAlchemyError

from mentoring import clock
from mentoring.audit import hooks, services
from mentoring.audit.models import AuditEvent
from mentoring.auth import policy
from mentoring.extensions import db
from mentoring.org.services import paginate

log = logging.getLogger(__name__)
bp = Blueprint("audit", __name__)
hooks.install()

PER_PAGE = 50
# What the "what" box suggests; any start of an action name filters.
KNOWN_ACTIONS = ("auth.", "auth.login", "auth.login_failed", "auth.logout", "auth.password_changed",
                 "auth.role_changed", "auth.deactivated", "auth.reactivated", "group.", "group.member_added",
                 "group.member_removed", "group.member_changed", "case.viewed", "case.attachment_downloaded",
                 "certificate.", "certificate.revoked", "certificate.downloaded", "session.",
                 "session.register_exported", "session.calendar_exported", "competency.dashboard_exported",
                 "audit.exported", "audit.pruned")


@bp.after_app_request
def _commit_durable(response):
    """Entries that must stay although the door did not commit (a refused
    login, a logout, a download on a GET): drop whatever else the request
    left uncommitted, as the end of the request would, and commit them alone."""
    events = g.pop("audit_durable", None)
    if not events:
        return response
    try:
        db.session.rollback()
        for event in events:
            if inspect(event).transient:
                db.session.add(event)
        db.session.commit()
    except SQLAlchemyError:  # the answer still goes out; the log says why the entry is missing
        db.session.rollback()
        log.exception("audit entries could not be saved: %s", [e.action for e in events])
    return response


def _day(value: str | None, zone: ZoneInfo, end: bool = False) -> tuple[datetime | None, bool]:
    """A date typed in the viewer's zone as a UTC instant; (None, False) if it is not a date."""
    if not value:
        return None, True
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None, False
    local = datetime.combine(day + (timedelta(days=1) if end else timedelta()), time(), zone)
    return local.astimezone(ZoneInfo("UTC")), True


def _filters() -> tuple[services.Filters, dict, bool]:
    args = {k: (request.args.get(k) or "").strip()[:120] for k in ("who", "action", "from", "to", "ip")}
    zone = ZoneInfo(getattr(current_user, "timezone", None) or "Asia/Ho_Chi_Minh")
    date_from, ok_from = _day(args["from"], zone)
    date_to, ok_to = _day(args["to"], zone, end=True)
    filters = services.Filters(who=args["who"] or None, action=args["action"] or None,
                               date_from=date_from, date_to=date_to, ip=args["ip"] or None)
    return filters, args, ok_from and ok_to


@bp.route("/admin/audit")
@login_required
def index():
    policy.require(current_user, "audit.view")
    filters, args, valid = _filters()
    # Years of events: the pager counts at most MENTORING_COUNT_CAP of them.
    page = paginate(services.search(filters).options(selectinload(AuditEvent.actor)),
                    request.args.get("page", 1, type=int), PER_PAGE, capped=True)
    return render_template("audit/index.html", page=page, args=args, valid=valid,
                           actions=KNOWN_ACTIONS), (200 if valid else 422)


@bp.route("/admin/audit.csv")
@login_required
def export_csv():
    policy.require(current_user, "audit.view")
    filters, _args, valid = _filters()
    if not valid:
        return index()
    services.record("audit.exported", target_kind="audit", filters=filters.as_detail())
    db.session.commit()

    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel then reads the Vietnamese names as UTF-8
        writer.writerow(services.CSV_COLUMNS)
        for row in services.csv_rows(filters):
            writer.writerow([_csv_safe(cell) for cell in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    response = Response(stream_with_context(chunks()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="nhat-ky-kiem-tra-{clock.now().strftime("%Y%m%d")}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_safe(value):
    """Spreadsheets run cells that start with =, +, - or @ as formulas."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
