"""Case pages: inbox, new case, one case with its thread and actions, search,
the teaching library, attachments (served after the policy says yes), the
audit trail and the response report. Parse -> service -> commit, or
re-render with the user's text and a message per field."""
from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from mentoring import clock, uploads
from mentoring.auth import policy
from mentoring.cases import attachments, icd, queries, services
from mentoring.cases.models import STATUSES, URGENCIES, CaseAttachment
from mentoring.cases.schemas import CaseFormSchema, CaseListArgs, case_to_form, form_to_input
from mentoring.bounds import id_arg
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult, parse_form
from mentoring.org.models import MentoringGroup, Province

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _case_or_404(case_id: int):
    try:
        return queries.get_case(case_id, current_user)
    except ServiceError:
        abort(404)


def _require(action: str, case) -> None:
    if not policy.allowed(current_user, action, case):
        abort(403)


# --- inbox, search, library -------------------------------------------------

@bp.route("")
@login_required
def inbox():
    page = queries.inbox(current_user, request.args.get("page", 1, type=int))
    mine = queries.my_cases(current_user)
    return render_template("cases/inbox.html", page=page, mine=mine, now=clock.now())


def _parse_filters():
    from marshmallow import ValidationError
    try:
        args = CaseListArgs().load(request.args.to_dict())
    except ValidationError as err:
        return None, {k: v for k, v in err.messages.items()}
    from mentoring.cases.api import filters_from
    return args, filters_from(args)


@bp.route("/search")
@login_required
def search():
    args, filters = _parse_filters()
    if args is None:
        args, errors = {"page": 1}, filters
        page = queries.Page(items=[], page=1, per_page=25, total=0)
    else:
        errors = {}
        page = queries.search(current_user, filters, args["page"], args["per_page"])
    provinces = db.session.execute(select(Province).order_by(Province.name)).scalars().all()
    return render_template("cases/search.html", page=page, values=request.args, errors=errors,
                           statuses=STATUSES, urgencies=URGENCIES, provinces=provinces,
                           facilities=queries.facilities_with_cases(current_user)), \
        (422 if errors else 200)


@bp.route("/library")
@login_required
def library():
    q = request.args.get("q", "").strip()
    code = request.args.get("icd10", "").strip()
    page = queries.library(current_user, q=q, icd10=code, page=request.args.get("page", 1, type=int))
    return render_template("cases/library.html", page=page, q=q, icd10=code,
                           nominated=queries.nominated_ids([c.id for c in page.items]))


@bp.route("/icd10")
@login_required
def icd10():
    """Autocomplete for the diagnosis field: by code or by words."""
    return jsonify(items=icd.search(request.args.get("q", ""), limit=15))


# --- new case, drafts -------------------------------------------------------

def _my_groups():
    stmt = policy.scope_groups(current_user, select(MentoringGroup)).order_by(MentoringGroup.name)
    groups = db.session.execute(stmt).scalars().all()
    return [g for g in groups if policy.tier_in_group(current_user, g.id) not in (None, "central")]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    groups = _my_groups()
    if not groups:
        abort(403)
    form = FormResult({"group_id": groups[0].id, "urgency": "routine"})
    if request.method == "POST":
        form = parse_form(CaseFormSchema(), request.form, checkboxes=("patient_consent",))
        draft = request.form.get("action") == "draft"
        upload = request.files.get("file")
        if form.ok:
            group = next((g for g in groups if g.id == form.data["group_id"]), None)
            try:
                case = services.create_case(current_user, group, form_to_input(form.data), draft=draft)
                if upload and upload.filename:
                    attachments.add_attachment(case, current_user, upload)
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields or {"complaint": [err.message]})
            else:
                db.session.commit()
                _flash_sent(case, draft)
                return redirect(url_for("cases.detail", case_id=case.id))
        if upload and upload.filename and not form.errors.get("file"):
            form.errors.setdefault("file", [_("Choose the file again: it was not kept.")])
    return render_template("cases/form.html", form=form, groups=groups, case=None), \
        (422 if form.errors else 200)


def _flash_sent(case, draft: bool) -> None:
    if draft:
        flash(_("Draft saved. It is not sent until you send it."), "info")
    elif case.urgency == "emergency":
        flash(_("Emergency: refer the patient in person now. The central doctor has been told."), "danger")
    else:
        flash(_("Case sent."), "success")


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = _case_or_404(case_id)
    _require("case.own", case)
    if case.status != "draft":
        return redirect(url_for("cases.detail", case_id=case.id))
    groups = [g for g in _my_groups() if g.id == case.group_id]
    form = FormResult(case_to_form(case))
    if request.method == "POST":
        form = parse_form(CaseFormSchema(), request.form, checkboxes=("patient_consent",))
        send = request.form.get("action") != "draft"
        if form.ok:
            try:
                services.update_draft(case, current_user, form_to_input(form.data), send=send)
            except ServiceError as err:
                db.session.rollback()
                form.errors.update(err.fields or {"complaint": [err.message]})
            else:
                db.session.commit()
                _flash_sent(case, not send)
                return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/form.html", form=form, groups=groups, case=case), \
        (422 if form.errors else 200)


# --- one case ---------------------------------------------------------------

def _render_case(case, forms: dict | None = None, status: int = 200):
    forms = forms or {}
    answerers = services.answerers(case)
    return render_template(
        "cases/detail.html", case=case, thread=queries.thread(case),
        attachments=queries.attachments(case), nomination=queries.nomination(case),
        offered=services.offered_to(case) if case.status == "open" else [],
        answerer_ids={u.id for u in answerers},
        describe=icd.describe, forms={k: forms.get(k, FormResult({})) for k in
                                      ("reply", "close", "ask", "nominate", "attach", "escalate")},
        now=clock.now()), status


@bp.route("/<int:case_id>")
@login_required
def detail(case_id: int):
    case = _case_or_404(case_id)
    services.record_view(case, current_user)
    db.session.commit()
    return _render_case(case)


def _act(case, form_name: str, action, success: str):
    """Run a service for a form on the case page; on refusal, re-render with the text kept."""
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        action()
    except ServiceError as err:
        db.session.rollback()
        case = queries.get_case(case.id)
        errors = err.fields or {"_": [err.message]}
        if err.message and "_" not in errors:
            flash(err.message, "danger")
        return _render_case(case, {form_name: FormResult(values, errors=errors)},
                            err.status if err.status in (409, 413, 415) else 422)
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.route("/<int:case_id>/reply", methods=["POST"])
@login_required
def reply(case_id: int):
    case = _case_or_404(case_id)
    _require("case.reply", case)
    return _act(case, "reply", lambda: services.add_reply(
        case, current_user, request.form.get("body", ""),
        recommendation="recommendation" in request.form,
        parent_id=request.form.get("parent_id", type=id_arg)), _("Reply sent."))


@bp.route("/<int:case_id>/recommend/<int:reply_id>", methods=["POST"])
@login_required
def recommend(case_id: int, reply_id: int):
    case = _case_or_404(case_id)
    _require("case.claim", case)
    return _act(case, "reply", lambda: services.mark_recommendation(case, current_user, reply_id),
                _("Marked as the recommendation."))


@bp.route("/<int:case_id>/claim", methods=["POST"])
@login_required
def claim(case_id: int):
    case = _case_or_404(case_id)
    _require("case.claim", case)
    release = request.form.get("action") == "release"
    return _act(case, "escalate", lambda: services.claim_case(case, current_user, release=release),
                _("Released.") if release else _("You are handling this case."))


@bp.route("/<int:case_id>/escalate", methods=["POST"])
@login_required
def escalate(case_id: int):
    case = _case_or_404(case_id)
    _require("case.escalate", case)
    return _act(case, "escalate", lambda: services.escalate_case(
        case, by=current_user, reason=request.form.get("reason", "").strip() or None),
        _("Escalated one tier up."))


@bp.route("/<int:case_id>/answered", methods=["POST"])
@login_required
def answered(case_id: int):
    case = _case_or_404(case_id)
    _require("case.own", case)
    return _act(case, "ask", lambda: services.mark_answered(case, current_user),
                _("Marked answered. You will be reminded to record how the patient did."))


@bp.route("/<int:case_id>/ask-again", methods=["POST"])
@login_required
def ask_again(case_id: int):
    case = _case_or_404(case_id)
    _require("case.own", case)
    return _act(case, "ask", lambda: services.ask_again(case, current_user, request.form.get("body", "")),
                _("Your follow-up question was sent."))


@bp.route("/<int:case_id>/close", methods=["POST"])
@login_required
def close(case_id: int):
    case = _case_or_404(case_id)
    _require("case.close", case)
    closing = case.status != "closed"
    return _act(case, "close", lambda: services.record_outcome(
        case, current_user, request.form.get("outcome", ""), close=closing),
        _("Case closed with its outcome.") if closing else _("Outcome updated."))


@bp.route("/<int:case_id>/nominate", methods=["POST"])
@login_required
def nominate(case_id: int):
    case = _case_or_404(case_id)
    _require("case.nominate", case)
    return _act(case, "nominate", lambda: services.nominate_for_teaching(
        case, current_user, request.form.get("note")), _("Nominated for a teaching session."))


@bp.route("/<int:case_id>/attachments", methods=["POST"])
@login_required
def attach(case_id: int):
    case = _case_or_404(case_id)
    _require("case.attach", case)
    return _act(case, "attach", lambda: attachments.add_attachment(
        case, current_user, request.files.get("file")), _("File attached."))


def _attachment(case_id: int, attachment_id: int) -> CaseAttachment:
    case = _case_or_404(case_id)  # the policy first: 404 for those who may not see the case
    found = db.session.get(CaseAttachment, attachment_id)
    if found is None or found.case_id != case.id:
        abort(404)
    return found


@bp.route("/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    found = _attachment(case_id, attachment_id)
    ext = found.stored_name.rsplit(".", 1)[-1]
    return uploads.send(found.stored_name, found.content_type, f"case-{case_id}-{found.id}.{ext}")


@bp.route("/<int:case_id>/attachments/<int:attachment_id>/thumb")
@login_required
def thumbnail(case_id: int, attachment_id: int):
    found = _attachment(case_id, attachment_id)
    if not found.thumb_name:
        abort(404)
    return uploads.send(found.thumb_name, "image/jpeg")


# --- oversight --------------------------------------------------------------

@bp.route("/audit")
@login_required
def audit():
    policy.require(current_user, "case.audit")
    case_id = request.args.get("case_id", type=id_arg)
    page = queries.audit(case_id, request.args.get("page", 1, type=int))
    return render_template("cases/audit.html", page=page, case_id=case_id)


def _date_arg(name: str, end: bool = False):
    try:
        value = datetime.strptime(request.args.get(name, ""), "%Y-%m-%d")
    except ValueError:
        return None
    return datetime.combine(value.date() + (timedelta(days=1) if end else timedelta()), time(), timezone.utc)


@bp.route("/report")
@login_required
def report():
    policy.require(current_user, "case.report")
    since, until = _date_arg("from"), _date_arg("to", end=True)
    by_tier, by_province = queries.response_report(since, until)
    return render_template("cases/report.html", by_tier=by_tier, by_province=by_province,
                           values=request.args, limits={u: services.limit_for(u) for u in URGENCIES})


# --- labels for the templates -----------------------------------------------

def urgency_label(value: str) -> str:
    return {"routine": _("routine"), "urgent": _("urgent"), "emergency": _("emergency")}.get(value, value)


def status_label(value: str) -> str:
    return {"draft": _("draft"), "open": _("waiting for an answer"), "answered": _("answered"),
            "closed": _("closed")}.get(value, value)


def sex_label(value: str) -> str:
    return {"female": _("female"), "male": _("male"), "other": _("other")}.get(value, value)


def pregnancy_label(value: str) -> str:
    return {"unknown": _("pregnancy unknown"), "not_pregnant": _("not pregnant"),
            "pregnant": _("pregnant"), "not_applicable": ""}.get(value, value)


def patient_label(case) -> str:
    age = (_("%(n)d years", n=case.age_years) if case.age_years is not None
           else _("%(n)d months", n=case.age_months or 0))
    parts = [age, sex_label(case.sex), pregnancy_label(case.pregnancy)]
    return ", ".join(p for p in parts if p)


def vital_fields() -> list[tuple[str, str, str, bool]]:
    """(name, label, unit, decimal) in the order a clinician writes them."""
    return [("systolic", _("Systolic BP"), "mmHg", False), ("diastolic", _("Diastolic BP"), "mmHg", False),
            ("pulse", _("Pulse"), _("/min"), False), ("temperature", _("Temperature"), "°C", True),
            ("spo2", _("SpO2"), "%", False), ("resp_rate", _("Respiratory rate"), _("/min"), False),
            ("glucose", _("Blood glucose"), "mmol/L", True), ("weight", _("Weight"), "kg", True),
            ("height", _("Height"), "cm", True)]


def action_label(value: str) -> str:
    return {"created": _("created"), "edited": _("edited"), "sent": _("sent"), "viewed": _("viewed"),
            "replied": _("replied"), "escalated": _("escalated"), "claimed": _("claimed"),
            "released": _("released"), "recommended": _("marked a recommendation"),
            "marked_answered": _("marked answered"), "asked_again": _("asked again"),
            "closed": _("closed"), "outcome": _("recorded the outcome"),
            "outcome_reminder": _("outcome reminder sent"), "nominated": _("nominated for teaching"),
            "attached": _("attached a file")}.get(value, value)


@bp.app_context_processor
def _case_globals():
    return {
        "urgency_label": urgency_label, "status_label": status_label, "sex_label": sex_label,
        "patient_label": patient_label, "vital_fields": vital_fields, "action_label": action_label,
        "group_options": lambda groups: [(g.id, g.name) for g in groups],
        "sex_options": lambda: [(s, sex_label(s)) for s in ("female", "male", "other")],
        "pregnancy_options": lambda: [(p, pregnancy_label(p) or _("not applicable"))
                                      for p in ("unknown", "not_pregnant", "pregnant", "not_applicable")],
        "urgency_options": lambda: [(u, urgency_label(u)) for u in URGENCIES],
    }
