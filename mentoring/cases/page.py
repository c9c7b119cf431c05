"""One case's page, read as a conversation: the question, the replies
threaded under it, one composer; the secondary actions (claim, escalate,
close, nominate, review) behind a menu. Each action posts here, calls a
service and commits, or re-renders the page with the text kept and the
message beside its field. Attachments are served after the policy says yes."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mentoring import clock, uploads
from mentoring.audit.services import audited_read
from mentoring.audit.services import record as audit_record
from mentoring.auth import policy
from mentoring.bounds import accepts_upload, id_arg
from mentoring.cases import attachments, icd, ncd, outcomes, queries, services
from mentoring.cases.models import CaseAttachment
from mentoring.cases.views import bp, case_or_404
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.forms import FormResult
from mentoring.org.services import tiers_above

FORMS = ("reply", "close", "outcome", "confirm", "nominate", "attach", "escalate", "review")


def _require(action: str, case) -> None:
    if not policy.allowed(current_user, action, case):
        abort(403)


def _render_case(case, forms: dict | None = None, status: int = 200):
    forms = forms or {}
    with policy.remembering():  # the page asks a dozen rules (one per reply too) about one membership
        earlier = case.follow_up_of if case.follow_up_of_id else None
        return render_template(
            "cases/detail.html", case=case, thread=queries.thread(case),
            attachments=queries.attachments(case), nomination=queries.nomination(case),
            offered=services.offered_to(case) if case.status == "open" else [],
            answerer_ids=services.answerer_ids(case), assessment=ncd.assess(case),
            earlier=earlier if earlier is not None and policy.allowed(current_user, "case.view", earlier) else None,
            referral_tiers=tiers_above(case.asker_tier_code),
            describe=icd.describe, forms={k: forms.get(k, FormResult({})) for k in FORMS},
            now=clock.now()), status


@bp.route("/<int:case_id>")
@login_required
@audited_read
def detail(case_id: int):
    with policy.remembering():
        case = case_or_404(case_id)
        services.record_view(case, current_user)
        page = _render_case(case)
    # Committed after rendering: a commit expires every loaded object (the
    # case, the user) and the page would load them all again.
    db.session.commit()
    return page


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
                            err.status if err.status in (403, 409, 413, 415) else 422)
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("cases.detail", case_id=case.id))


def _text(name: str, limit: int) -> str:
    return request.form.get(name, "")[:limit + 1]   # bounded before any check runs


@bp.route("/<int:case_id>/reply", methods=["POST"])
@login_required
def reply(case_id: int):
    """The composer: a reply, or (the asker, when answered) "not settled: ask again"."""
    case = case_or_404(case_id)
    _require("case.reply", case)
    body = _text("body", services.REPLY_LIMIT)
    if request.form.get("action") == "ask_again" and case.asker_id == current_user.id:
        return _act(case, "reply", lambda: services.ask_again(case, current_user, body),
                    _("Your follow-up question was sent."))
    return _act(case, "reply", lambda: services.add_reply(
        case, current_user, body, recommendation="recommendation" in request.form,
        parent_id=request.form.get("parent_id", type=id_arg)), _("Reply sent."))


@bp.route("/<int:case_id>/recommend/<int:reply_id>", methods=["POST"])
@login_required
def recommend(case_id: int, reply_id: int):
    case = case_or_404(case_id)
    _require("case.claim", case)
    return _act(case, "reply", lambda: services.mark_recommendation(case, current_user, reply_id),
                _("Marked as the recommendation."))


@bp.route("/<int:case_id>/claim", methods=["POST"])
@login_required
def claim(case_id: int):
    case = case_or_404(case_id)
    _require("case.claim", case)
    release = request.form.get("action") == "release"
    return _act(case, "escalate", lambda: services.claim_case(case, current_user, release=release),
                _("Released.") if release else _("You are handling this case."))


@bp.route("/<int:case_id>/escalate", methods=["POST"])
@login_required
def escalate(case_id: int):
    case = case_or_404(case_id)
    _require("case.escalate", case)
    return _act(case, "escalate", lambda: services.escalate_case(
        case, by=current_user, reason=_text("reason", 2000).strip() or None),
        _("Escalated one tier up."))


@bp.route("/<int:case_id>/answered", methods=["POST"])
@login_required
def answered(case_id: int):
    case = case_or_404(case_id)
    _require("case.own", case)
    return _act(case, "confirm", lambda: outcomes.confirm_answered(case, current_user),
                _("Thank you. You will be reminded to record how the patient did."))


@bp.route("/<int:case_id>/ask-again", methods=["POST"])
@login_required
def ask_again(case_id: int):
    case = case_or_404(case_id)
    _require("case.own", case)
    return _act(case, "reply", lambda: services.ask_again(case, current_user, _text("body", services.REPLY_LIMIT)),
                _("Your follow-up question was sent."))


def _outcome_args() -> dict:
    return {"code": request.form.get("outcome_code", "")[:20] or None,
            "referred_tier": request.form.get("referred_tier", "")[:20] or None}


@bp.route("/<int:case_id>/outcome", methods=["POST"])
@login_required
def outcome(case_id: int):
    """The asker (or a coordinator) records what became of the patient."""
    case = case_or_404(case_id)
    _require("case.outcome", case)
    closing = case.status != "closed"
    return _act(case, "outcome", lambda: outcomes.record_outcome(
        case, current_user, _text("outcome", outcomes.OUTCOME_TEXT_LIMIT), close=closing, **_outcome_args()),
        _("Case closed with its outcome.") if closing else _("Outcome updated."))


@bp.route("/<int:case_id>/close", methods=["POST"])
@login_required
def close(case_id: int):
    """The asker closes with the outcome; a mentor closes a stale case with a reason."""
    case = case_or_404(case_id)
    _require("case.close", case)
    if outcomes.records_outcome(current_user, case):
        closing = case.status != "closed"
        return _act(case, "outcome", lambda: outcomes.record_outcome(
            case, current_user, _text("outcome", outcomes.OUTCOME_TEXT_LIMIT), close=closing,
            **_outcome_args()), _("Case closed with its outcome.") if closing else _("Outcome updated."))
    return _act(case, "close", lambda: outcomes.close_stale(case, current_user, _text("reason", 2000)),
                _("Case closed. The asker is reminded to record how the patient did."))


@bp.route("/<int:case_id>/nominate", methods=["POST"])
@login_required
def nominate(case_id: int):
    case = case_or_404(case_id)
    _require("case.nominate", case)
    return _act(case, "nominate", lambda: outcomes.nominate_for_teaching(
        case, current_user, _text("note", 2000)), _("Nominated for a teaching session."))


@bp.route("/<int:case_id>/review", methods=["POST"])
@login_required
def review(case_id: int):
    case = case_or_404(case_id)
    _require("case.review", case)
    decision = request.form.get("decision", "")[:10]
    return _act(case, "review", lambda: outcomes.review_override(case, current_user, decision),
                _("Reviewed: the case may enter the library.") if decision == "cleared"
                else _("Reviewed: the case stays out of the library."))


@bp.route("/<int:case_id>/attachments", methods=["POST"])
@login_required
@accepts_upload
def attach(case_id: int):
    case = case_or_404(case_id)
    _require("case.attach", case)
    return _act(case, "attach", lambda: attachments.add_attachment(
        case, current_user, request.files.get("file")), _("File attached."))


def _attachment(case_id: int, attachment_id: int) -> CaseAttachment:
    case = case_or_404(case_id)  # the policy first: 404 for those who may not see the case
    found = db.session.get(CaseAttachment, attachment_id)
    if found is None or found.case_id != case.id:
        abort(404)
    return found


@bp.route("/<int:case_id>/attachments/<int:attachment_id>")
@login_required
@audited_read
def attachment(case_id: int, attachment_id: int):
    found = _attachment(case_id, attachment_id)
    audit_record("case.attachment_downloaded", target_kind="case", target_id=case_id, durable=True,
                 attachment_id=found.id)
    ext = found.stored_name.rsplit(".", 1)[-1]
    return uploads.send(found.stored_name, found.content_type, f"case-{case_id}-{found.id}.{ext}")


@bp.route("/<int:case_id>/attachments/<int:attachment_id>/thumb")
@login_required
def thumbnail(case_id: int, attachment_id: int):
    found = _attachment(case_id, attachment_id)
    if not found.thumb_name:
        abort(404)
    return uploads.send(found.thumb_name, "image/jpeg")
