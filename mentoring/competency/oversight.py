"""The coordinator's pages (blueprint `competency`, from views.py): the
dashboard with its filters, charts, drill-down and exports; EHR roll-out
readiness; the queue of outside courses to approve; the frameworks with
their exports. Every page asks the policy first."""
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from mentoring import clock, uploads
from mentoring.audit.services import record
from mentoring.bounds import id_arg
from mentoring.auth import policy
from mentoring.competency import dashboard, exports, frameworks, programmes, readiness, services
from mentoring.competency.courses import pending_courses
from mentoring.competency.schemas import CourseDecisionSchema, DashboardArgs, GoLiveSchema, ReadinessArgs
from mentoring.competency.views import bp
from mentoring.errors import NotFound, ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult, parse_form
from mentoring.org.models import Facility, MentoringGroup, Province
from mentoring.org.services import tier_codes


def _args(schema):
    try:
        return schema.load(request.args.to_dict()), {}
    except ValidationError as err:
        return schema.load({}), {k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
                                 for k, v in err.messages.items()}


def _programme(code):
    found = programmes.get_programme(code) if code else programmes.default_programme()
    if found is None:
        abort(404)
    return found


def _filters(args) -> dashboard.Filters:
    return dashboard.Filters(province_code=args["province_code"], facility_id=args["facility_id"],
                             tier=args["tier"], group_id=args["group_id"], status=args["status"])


@bp.route("/competency/dashboard", endpoint="dashboard")
@login_required
def dashboard_page():
    policy.require(current_user, "competency.dashboard")
    args, errors = _args(DashboardArgs())
    programme = _programme(args["programme"])
    filters = _filters(args)
    rows, totals = dashboard.counts_by(programme, args["by"], filters)
    workers = dashboard.worker_page(programme, filters, args["page"])
    return render_template(
        "competency/dashboard.html", programme=programme, programmes=programmes.programmes(), rows=rows,
        totals=totals, workers=workers, args=args, errors=errors, values=request.args,
        statuses=dashboard.STATUSES, dimensions=dashboard.DIMENSIONS, tiers=tier_codes()[1:],
        provinces=db.session.execute(select(Province.code, Province.name).order_by(Province.name)).all(),
        groups=db.session.execute(select(MentoringGroup.id, MentoringGroup.name)
                                  .order_by(MentoringGroup.name).limit(2000)).all()), (422 if errors else 200)



def _export(kind: str):
    policy.require(current_user, "competency.dashboard")
    args, errors = _args(DashboardArgs())
    if errors:
        abort(422)
    programme = _programme(args["programme"])
    filters = _filters(args)
    record("competency.dashboard_exported", actor=current_user, target_kind="programme", target_id=programme.id,
           format=kind, **{k: v for k, v in vars(filters).items() if v is not None})
    db.session.commit()
    stamp = clock.now().strftime("%Y%m%d")
    name = f"chung-nhan-{programme.code}-{stamp}.{kind}"
    labels = exports.Labels()
    if kind == "csv":
        body = stream_with_context(exports.csv_chunks(programme, filters, labels))
        mimetype = "text/csv; charset=utf-8"
    else:
        body = exports.file_chunks(exports.xlsx_file(programme, filters, labels))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/competency/dashboard.csv")
@login_required
def dashboard_csv():
    return _export("csv")


@bp.route("/competency/dashboard.xlsx")
@login_required
def dashboard_xlsx():
    return _export("xlsx")


# --- readiness --------------------------------------------------------------------

def _render_readiness(form: FormResult | None = None, status: int = 200):
    args, errors = _args(ReadinessArgs())
    rows = readiness.facilities()
    nation, provinces = readiness.summarise(rows)
    shown = [r for r in rows if not args["province_code"] or r.province_code == args["province_code"]]
    planned = {r.facility_id for r in rows}
    candidates = db.session.execute(select(Facility.id, Facility.name).where(
        Facility.active.is_(True), Facility.tier_code != "central").order_by(Facility.name).limit(500)).all()
    return render_template("competency/readiness.html", nation=nation, provinces=provinces, rows=shown[:500],
                           total=len(shown), args=args, errors=errors, today=clock.now().date(),
                           form=form or FormResult({}), candidates=candidates, planned=planned,
                           states=readiness.STATES), status


@bp.route("/competency/readiness", methods=["GET", "POST"], endpoint="readiness")
@login_required
def readiness_page():
    policy.require(current_user, "competency.readiness")
    if request.method == "GET":
        return _render_readiness()
    form = parse_form(GoLiveSchema(), request.form)
    if form.ok:
        facility = db.session.get(Facility, form.data["facility_id"])
        try:
            if facility is None:
                raise NotFound(_("No such facility."), fields={"facility_id": _("No such facility.")})
            readiness.set_go_live(facility, form.data["go_live_on"], current_user, form.data["note"])
        except ServiceError as err:
            db.session.rollback()
            form.errors.update(err.fields or {"facility_id": [err.message]})
        else:
            db.session.commit()
            flash(_("Go-live date saved."), "success")
            return redirect(url_for("competency.readiness"))
    return _render_readiness(form, 422)


@bp.route("/competency/readiness/<int:facility_id>", methods=["GET", "POST"], endpoint="readiness_staff")
@login_required
def readiness_staff(facility_id: int):
    """Name who must be ready for a facility's go-live (none named: every
    active health worker of the facility)."""
    policy.require(current_user, "competency.readiness")
    facility = db.session.get(Facility, facility_id)
    rollout, staff = readiness.facility_staff(facility) if facility else (None, [])
    if rollout is None:
        abort(404)  # a go-live date is planned first, on the readiness page
    errors: dict = {}
    if request.method == "POST":
        raw = request.form.getlist("staff_ids")
        try:
            if len(raw) > readiness.MAX_NAMED_STAFF:
                raise ValueError
            chosen = [id_arg(v) for v in raw]
        except ValueError:
            errors["staff_ids"] = [_("Choose people from the list.")]
        else:
            try:
                readiness.set_go_live(facility, rollout.go_live_on, current_user, rollout.note, chosen)
            except ServiceError as err:
                db.session.rollback()
                errors = err.fields or {"staff_ids": [err.message]}
            else:
                db.session.commit()
                flash(_("Saved: who must be ready for %(name)s.", name=facility.name), "success")
                return redirect(url_for("competency.readiness_staff", facility_id=facility.id))
    return render_template("competency/readiness_staff.html", facility=facility, rollout=rollout, staff=staff,
                           named=any(m.named for m in staff), errors=errors), 422 if errors else 200



# --- outside courses ----------------------------------------------------------------

@bp.route("/competency/courses")
@login_required
def courses():
    policy.require(current_user, "competency.course.decide")
    return render_template("competency/courses.html", courses=pending_courses(), forms={})


@bp.route("/competency/courses/<int:course_id>/decision", methods=["POST"])
@login_required
def decide_course(course_id: int):
    policy.require(current_user, "competency.course.decide")
    try:
        course = services.get_course(course_id)
    except ServiceError:
        abort(404)
    form = parse_form(CourseDecisionSchema(), request.form)
    if form.ok:
        try:
            services.decide_course(course, current_user, form.data["approve"], form.data["reason"])
        except ServiceError as err:
            db.session.rollback()
            form.errors.update(err.fields or {"reason": [err.message]})
        else:
            db.session.commit()
            flash(_("Course approved.") if form.data["approve"] else _("Course not approved."), "success")
            return redirect(url_for("competency.courses"))
    return render_template("competency/courses.html", courses=pending_courses(), forms={course_id: form}), \
        (403 if "approve" in form.errors else 422)


@bp.route("/competency/courses/<int:course_id>/file")
@login_required
def course_file(course_id: int):
    try:
        course = services.get_course(course_id)
    except ServiceError:
        abort(404)
    if not policy.allowed(current_user, "competency.course.view", course):
        abort(404)
    ext = course.stored_name.rsplit(".", 1)[-1]
    return uploads.send(course.stored_name, course.content_type, f"khoa-hoc-{course.id}.{ext}")


# --- frameworks ----------------------------------------------------------------------

@bp.route("/competency/frameworks")
@login_required
def frameworks_page():
    items = [(fw, frameworks.to_document(fw)) for fw in frameworks.frameworks()]
    return render_template("competency/frameworks.html", items=items, programmes=programmes.programmes())


@bp.route("/competency/frameworks/<code>.<any(json, csv):fmt>")
@login_required
def framework_export(code: str, fmt: str):
    framework = frameworks.get_framework(code[:40])
    if framework is None:
        abort(404)
    body = frameworks.to_json(framework) if fmt == "json" else frameworks.to_csv(framework)
    response = Response(body, mimetype="application/json" if fmt == "json" else "text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{framework.code}.{fmt}"'
    return response
