"""Pages for workers and mentors: my progress (hours, what is missing,
certificates, self-assessment, outside courses), a worker's progress for
their mentor or a coordinator (assess, revoke, decide), and the public
certificate doors (verification page, PDF, Open Badges). Parse -> service
-> commit, or re-render with the user's text and a message per field.
The coordinator's pages are in oversight.py, on the same blueprint."""
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentoring import clock
from mentoring.audit.services import record
from mentoring.auth import policy
from mentoring.competency import badges, certificate_pdf, programmes, services
from mentoring.competency.assessments import EVIDENCE_NAMES, LEVEL_NAMES
from mentoring.competency.certificates import display_code
from mentoring.competency.exports import status_label
from mentoring.competency.frameworks import localized
from mentoring.competency.models import LEVELS
from mentoring.competency.schemas import AssessmentInSchema, CourseInSchema, ReasonSchema, ReissueSchema
from mentoring.errors import NotFound, ServiceError
from mentoring.extensions import db, limiter
from mentoring.bounds import accepts_upload
from mentoring.forms import FormResult, parse_form

bp = Blueprint("competency", __name__)

VERIFY_LIMIT = "30 per minute;300 per hour"  # codes carry 120 random bits; this only slows a noisy scanner


def _worker_or_404(user_id: int):
    try:
        worker = services.get_worker(user_id)
    except ServiceError:
        abort(404)
    if not policy.allowed(current_user, "competency.progress.view", worker):
        abort(404)
    return worker


def _render(worker, forms: dict | None = None, status: int = 200):
    forms = forms or {}
    own = worker.id == current_user.id
    return render_template(
        "competency/progress.html", worker=worker, own=own, progress=services.worker_progress(worker),
        can_assess=policy.allowed(current_user, "competency.assess", worker),
        can_self_assess=own and policy.allowed(current_user, "competency.self_assess", worker),
        can_submit=own and policy.allowed(current_user, "competency.course.submit"),
        can_revoke=policy.allowed(current_user, "certificate.revoke"),
        today=clock.now().date(),
        forms={k: forms.get(k, FormResult({})) for k in ("assess", "course", "revoke", "reissue")}), status


@bp.route("/progress")
@login_required
def my_progress():
    return _render(current_user)


@bp.route("/workers/<int:user_id>/progress")
@login_required
def worker_progress(user_id: int):
    return _render(_worker_or_404(user_id))


def _after(worker, form_name: str, form: FormResult, action, success: str):
    """Run a service for a form on a progress page; on refusal re-render with the text kept."""
    if form.ok:
        try:
            action(form.data)
        except ServiceError as err:
            db.session.rollback()
            form.errors.update(err.fields or {"_": [err.message]})
            if err.message:
                flash(err.message, "danger")
            return _render(services.get_worker(worker.id), {form_name: form},
                           err.status if err.status in (403, 409, 413, 415) else 422)
        db.session.commit()
        flash(success, "success")
        target = "competency.my_progress" if worker.id == current_user.id else "competency.worker_progress"
        return redirect(url_for(target, **({} if worker.id == current_user.id else {"user_id": worker.id})))
    return _render(worker, {form_name: form}, 422)


@bp.route("/workers/<int:user_id>/assessments", methods=["POST"])
@login_required
def assess(user_id: int):
    worker = _worker_or_404(user_id)
    form = parse_form(AssessmentInSchema(), request.form)
    return _after(worker, "assess", form, lambda data: services.assess(current_user, worker, data),
                  _("Assessment saved."))


@bp.route("/progress/courses", methods=["POST"])
@login_required
@accepts_upload
def submit_course():
    if not policy.allowed(current_user, "competency.course.submit"):
        abort(403)
    form = parse_form(CourseInSchema(), request.form)
    upload = request.files.get("file")
    status = 422
    if form.ok:
        try:
            services.submit_course(current_user, form.data, upload)
        except ServiceError as err:
            db.session.rollback()
            form.errors.update(err.fields or {"_": [err.message]})
            status = err.status if err.status in (413, 415) else 422
        else:
            db.session.commit()
            flash(_("Course submitted. A coordinator will review it."), "success")
            return redirect(url_for("competency.my_progress"))
    if upload and upload.filename and not form.errors.get("file"):
        form.errors["file"] = [_("Choose the file again: it was not kept.")]
    return _render(services.get_worker(current_user.id), {"course": form}, status)


@bp.route("/workers/<int:user_id>/certificates", methods=["POST"])
@login_required
def reissue(user_id: int):
    worker = _worker_or_404(user_id)
    policy.require(current_user, "certificate.decide", worker)
    form = parse_form(ReissueSchema(), request.form)

    def decide(data):
        programme = programmes.get_programme(data["programme"])
        if programme is None:
            raise NotFound(_("No such programme."), fields={"programme": _("No such programme.")})
        services.reissue_decision(worker, programme, current_user, data["reason"])
    return _after(worker, "reissue", form, decide, _("Decision recorded."))


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@login_required
def revoke(code: str):
    cert = _certificate_or_404(code)
    policy.require(current_user, "certificate.revoke", cert)
    form = parse_form(ReasonSchema(), request.form)
    return _after(cert.user, "revoke", form,
                  lambda data: services.revoke_certificate(cert, current_user, data["reason"]),
                  _("Certificate revoked."))


# --- certificates: public doors ----------------------------------------------------

def _certificate_or_404(code: str):
    if len(code) > 64:
        abort(404)
    try:
        return services.get_by_code(code)
    except ServiceError:
        abort(404)


def public_view(cert) -> dict:
    """Name, programme, hours, dates and the status: nothing else (no e-mail, no facility)."""
    return {"status": cert.status_on(clock.now().date()), "name": cert.user.full_name,
            "programme": cert.programme.title_vi, "hours": cert.hours, "issued_on": cert.issued_on,
            "expires_on": cert.expires_on, "revoked_on": cert.revoked_at.date() if cert.revoked_at else None}


@bp.route("/certificates/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_certificate(code: str):
    try:
        cert = services.get_by_code(code) if len(code) <= 64 else None
    except ServiceError:
        cert = None
    if cert is None:
        return render_template("competency/verify.html", cert=None, code=code[:64]), 404
    return render_template("competency/verify.html", cert=public_view(cert), code=display_code(cert.code))


@bp.route("/certificates/<code>/pdf", endpoint="certificate_pdf")
@login_required
def certificate_pdf_view(code: str):
    cert = _certificate_or_404(code)
    if not policy.allowed(current_user, "certificate.view", cert):
        abort(404)
    if cert.user_id != current_user.id:  # someone else's certificate: an export of their data
        record("certificate.downloaded", target_kind="certificate", target_id=cert.id, durable=True,
               user_id=cert.user_id)
    body = certificate_pdf.render(cert, badges.absolute("competency.verify_certificate", code=cert.code))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="chung-nhan-{cert.code[:8]}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response



@bp.route("/certificates/<code>/assertion.json")
@limiter.limit(VERIFY_LIMIT)
def badge_assertion(code: str):
    cert = _certificate_or_404(code)
    response = jsonify(badges.assertion(cert))
    if cert.revoked_at is not None:
        response.status_code = 410  # Open Badges 2.0: a revoked hosted assertion answers 410 Gone
    return response


@bp.route("/badges/issuer.json")
def badge_issuer():
    return jsonify(badges.issuer())


@bp.route("/badges/<code>.json")
def badge_class(code: str):
    programme = programmes.get_programme(code[:40])
    if programme is None:
        abort(404)
    return jsonify(badges.badge_class(programme))


@bp.route("/badges/<code>.svg")
def badge_image(code: str):
    programme = programmes.get_programme(code[:40])
    if programme is None:
        abort(404)
    return Response(badges.image_svg(programme), mimetype="image/svg+xml")


# --- labels for the templates -------------------------------------------------------

def kind_label(kind: str) -> str:
    return {"session": _("teaching sessions attended"), "presentation": _("presentations"),
            "case_answer": _("case consultations answered"), "outside_course": _("approved outside courses")
            }.get(kind, kind)


def course_status_label(status: str) -> str:
    return {"pending": _("waiting for approval"), "approved": _("approved"), "rejected": _("not approved")
            }.get(status, status)


def certificate_status_label(status: str) -> str:
    return {"valid": _("valid"), "expired": _("expired"), "revoked": _("revoked")}.get(status, status)


def hours_text(value) -> str:
    if value is None:
        return "–"
    return f"{float(value):.1f}".rstrip("0").rstrip(".").replace(".", ",")


@bp.app_context_processor
def _competency_globals():
    return {"level_label": lambda n: f"{n} – {LEVEL_NAMES[n]}" if n in LEVEL_NAMES else "–",
            "level_options": lambda: [(n, f"{n} – {LEVEL_NAMES[n]}") for n in LEVELS],
            "evidence_options": lambda: [(k, v) for k, v in EVIDENCE_NAMES.items()],
            "evidence_label": lambda k: EVIDENCE_NAMES.get(k, k),
            "credit_kind_label": kind_label, "course_status_label": course_status_label,
            "certificate_status_label": certificate_status_label, "competency_status_label": status_label,
            "localized": localized, "hours_text": hours_text, "display_code": display_code}


from mentoring.competency import oversight  # noqa: E402,F401  (the coordinator's routes, same blueprint)
