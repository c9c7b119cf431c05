"""Case pages: inbox, new case and drafts, search, the teaching library,
ICD-10 autocomplete, the audit trail and the response report. One case's
page (its thread and actions) is in cases.page. Parse -> service -> commit,
or re-render with the user's text and a message for every field at once."""
from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from mentoring import clock
from mentoring.auth import policy
from mentoring.cases import attachments, icd, intake, ncd, queries, reports, services
from mentoring.cases.models import ADHERENCE, NCD_KINDS, OUTCOMES, STATUSES, URGENCIES
from mentoring.cases.schemas import CaseFormSchema, CaseListArgs, case_to_form, form_to_input
from mentoring.bounds import accepts_upload, id_arg
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult, parse_form
from mentoring.org.models import MentoringGroup, Province

bp = Blueprint("cases", __name__, url_prefix="/cases")


def case_or_404(case_id: int):
    try:
        return queries.get_case(case_id, current_user)
    except ServiceError:
        abort(404)


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
    q = request.args.get("q", "").strip()[:200]
    code = request.args.get("icd10", "").strip()[:10]
    page = queries.library(current_user, q=q, icd10=code, page=request.args.get("page", 1, type=int))
    return render_template("cases/library.html", page=page, q=q, icd10=code,
                           nominated=queries.nominated_ids([c.id for c in page.items]))


@bp.route("/icd10")
@login_required
def icd10():
    """Autocomplete for the diagnosis field: by code, words (with or without
    diacritics) or abbreviations; names in the reader's language."""
    return jsonify(items=icd.search(request.args.get("q", ""), limit=15))


# --- new case, drafts -------------------------------------------------------

def _my_groups():
    stmt = policy.scope_groups(current_user, select(MentoringGroup)).order_by(MentoringGroup.name)
    groups = db.session.execute(stmt).scalars().all()
    return [g for g in groups if policy.tier_in_group(current_user, g.id) not in (None, "central")]


def _render_form(form: FormResult, groups, case, signature: str | None = None):
    ncd_open = bool(form.values.get("ncd.kind")) or any(k.startswith("ncd.") for k in form.errors)
    return render_template("cases/form.html", form=form, groups=groups, case=case, signature=signature,
                           earlier=queries.earlier_cases(current_user, exclude_id=case.id if case else None),
                           limits=intake.TEXT_LIMITS, ncd_open=ncd_open,
                           today=clock.now().date().isoformat()), (422 if form.errors else 200)


def _submitted(sending: bool, case=None) -> tuple[FormResult, dict, str | None]:
    """The form as posted: (form with every field's message, the input for
    the service, the signature of name warnings to confirm)."""
    form = parse_form(CaseFormSchema(), request.form, checkboxes=("patient_consent",))
    screened = request.form.getlist("ncd.complications_screened")
    form.values["ncd.complications_screened"] = screened
    data = form_to_input(form.data if form.ok else form.partial, screened)
    signature = None
    if not form.ok:
        # The shape of some fields is wrong: check the rest now too, so every
        # message shows in one round.
        _values, errors, signature, _warned = intake.check(data, sending=sending, asker=current_user, case=case)
        for name, message in errors.items():
            form.errors.setdefault(name, [message])
    return form, data, signature


def _refused(form: FormResult, err: ServiceError) -> str | None:
    db.session.rollback()
    for name, messages in (err.fields or {"complaint": [err.message]}).items():
        form.errors.setdefault(name, messages)
    return getattr(err, "identifier_signature", None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@accepts_upload
def new():
    groups = _my_groups()
    if not groups:
        abort(403)
    form, signature = FormResult({"group_id": groups[0].id, "urgency": "routine"}), None
    if request.method == "POST":
        draft = request.form.get("action") == "draft"
        form, data, signature = _submitted(sending=not draft)
        upload = request.files.get("file")
        if form.ok:
            group = next((g for g in groups if g.id == form.data["group_id"]), None)
            try:
                case = services.create_case(current_user, group, data, draft=draft)
                if upload and upload.filename:
                    attachments.add_attachment(case, current_user, upload)
            except ServiceError as err:
                signature = _refused(form, err)
            else:
                db.session.commit()
                _flash_sent(case, draft)
                return redirect(url_for("cases.detail", case_id=case.id, saved=1))
        if upload and upload.filename and not form.errors.get("file"):
            form.errors.setdefault("file", [_("Choose the file again: it was not kept.")])
    return _render_form(form, groups, None, signature)


def _flash_sent(case, draft: bool) -> None:
    if draft:
        flash(_("Draft saved. It is not sent until you send it."), "info")
    elif case.urgency == "emergency":
        flash(_("Emergency: refer the patient in person now. The central doctor has been told."), "danger")
    else:
        flash(_("Case sent."), "success")
    if case.identifier_override_at is not None and not draft:
        flash(_("Sent with your reason. A mentor will review the case before it can enter the teaching "
                "library."), "info")


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = case_or_404(case_id)
    if not policy.allowed(current_user, "case.own", case):
        abort(403)
    if case.status != "draft":
        return redirect(url_for("cases.detail", case_id=case.id))
    groups = [g for g in _my_groups() if g.id == case.group_id]
    form, signature = FormResult(case_to_form(case)), None
    if request.method == "POST":
        send = request.form.get("action") != "draft"
        form, data, signature = _submitted(sending=send, case=case)
        if form.ok:
            try:
                services.update_draft(case, current_user, data, send=send)
            except ServiceError as err:
                signature = _refused(form, err)
                case = queries.get_case(case_id)
            else:
                db.session.commit()
                _flash_sent(case, not send)
                return redirect(url_for("cases.detail", case_id=case.id, saved=1))
    return _render_form(form, groups, case, signature)


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
        value = datetime.strptime(request.args.get(name, "")[:10], "%Y-%m-%d")
    except ValueError:
        return None
    return datetime.combine(value.date() + (timedelta(days=1) if end else timedelta()), time(), timezone.utc)


@bp.route("/report")
@login_required
def report():
    policy.require(current_user, "case.report")
    since, until = _date_arg("from"), _date_arg("to", end=True)
    by_tier, by_province = reports.response_report(since, until)
    return render_template("cases/report.html", by_tier=by_tier, by_province=by_province,
                           outcomes=reports.outcome_report(since, until), values=request.args,
                           limits=services.limits_by_tier())


# --- labels for the templates -----------------------------------------------

def urgency_label(value: str) -> str:
    return {"routine": _("routine"), "urgent": _("urgent"), "emergency": _("emergency")}.get(value, value)


def status_label(value: str, case=None) -> str:
    label = {"draft": _("draft"), "open": _("waiting for an answer"), "answered": _("answered"),
             "closed": _("closed")}.get(value, value)
    if case is not None and value == "answered" and case.recommended_at is not None:
        return _("answered, recommendation given")
    return label


def sex_label(value: str | None) -> str:
    return {"female": _("female"), "male": _("male"), "other": _("other")}.get(value, value or "")


def pregnancy_label(value: str) -> str:
    return {"unknown": _("pregnancy unknown"), "not_pregnant": _("not pregnant"),
            "pregnant": _("pregnant"), "not_applicable": ""}.get(value, value)


def patient_label(case) -> str:
    if case.age_years is not None:
        age = _("%(n)d years", n=case.age_years)
    elif case.age_months is not None:
        age = _("%(n)d months", n=case.age_months)
    else:
        age = _("age not given")
    parts = [age, sex_label(case.sex), pregnancy_label(case.pregnancy)]
    return ", ".join(p for p in parts if p)


def outcome_label(value: str | None) -> str:
    return {"managed_at_station": _("managed at the station"), "referred": _("referred up"),
            "died": _("died"), "lost_to_follow_up": _("lost to follow-up"),
            "unknown": _("not known")}.get(value, value or "")


def vital_fields() -> list[tuple[str, str, str, bool]]:
    """(name, label, unit, decimal) in the order a clinician writes them."""
    return [("systolic", _("Systolic BP"), "mmHg", False), ("diastolic", _("Diastolic BP"), "mmHg", False),
            ("pulse", _("Pulse"), _("/min"), False), ("temperature", _("Temperature"), "°C", True),
            ("spo2", _("SpO2"), "%", False), ("resp_rate", _("Respiratory rate"), _("/min"), False),
            ("glucose", _("Blood glucose"), "mmol/L", True), ("weight", _("Weight"), "kg", True),
            ("height", _("Height"), "cm", True)]


def reading_fields() -> list[tuple[str, str, bool]]:
    """(name, label with unit, decimal) of an NCD reading."""
    return [("systolic", _("Systolic (mmHg)"), False), ("diastolic", _("Diastolic (mmHg)"), False),
            ("pulse", _("Pulse (/min)"), False), ("glucose", _("Fasting glucose (mmol/L)"), True),
            ("hba1c", _("HbA1c (%)"), True), ("weight", _("Weight (kg)"), True)]


def action_label(value: str) -> str:
    return {"created": _("created"), "edited": _("edited"), "sent": _("sent"), "viewed": _("viewed"),
            "replied": _("replied"), "escalated": _("escalated"), "claimed": _("claimed"),
            "released": _("released"), "recommended": _("marked a recommendation"),
            "marked_answered": _("marked answered"), "asked_again": _("asked again"),
            "closed": _("closed"), "outcome": _("recorded the outcome"),
            "outcome_reminder": _("outcome reminder sent"), "nominated": _("nominated for teaching"),
            "attached": _("attached a file"), "identifier_override": _("sent despite an identifier warning"),
            "override_reviewed": _("reviewed the identifier warning")}.get(value, value)


@bp.app_context_processor
def _case_globals():
    return {
        "urgency_label": urgency_label, "status_label": status_label, "sex_label": sex_label,
        "patient_label": patient_label, "vital_fields": vital_fields, "action_label": action_label,
        "outcome_label": outcome_label, "reading_fields": reading_fields,
        "ncd_kind_label": lambda k: str(ncd.KIND_LABELS.get(k, k or "")),
        "adherence_label": lambda a: str(ncd.ADHERENCE_LABELS.get(a, a or "")),
        "complication_label": lambda c: str(ncd.COMPLICATION_LABELS.get(c, c)),
        "measure_label": ncd.measure_label,
        "group_options": lambda groups: [(g.id, g.name) for g in groups],
        "sex_options": lambda: [(s, sex_label(s)) for s in ("female", "male", "other")],
        "pregnancy_options": lambda: [(p, pregnancy_label(p) or _("not applicable"))
                                      for p in ("unknown", "not_pregnant", "pregnant", "not_applicable")],
        "urgency_options": lambda: [(u, urgency_label(u)) for u in URGENCIES],
        "outcome_options": lambda: [(o, outcome_label(o)) for o in OUTCOMES],
        "ncd_kind_options": lambda: [(k, str(ncd.KIND_LABELS[k])) for k in NCD_KINDS],
        "adherence_options": lambda: [(a, str(ncd.ADHERENCE_LABELS[a])) for a in ADHERENCE],
        "complications_by_kind": ncd.COMPLICATIONS,
    }


from mentoring.cases import page as _case_page  # noqa: E402,F401  (registers one case's routes on bp)
