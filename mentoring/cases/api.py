"""The case routes of docs/api.md: list, create, read, reply, escalate, close,
attach. Parse with a schema, ask the policy, call a service, commit once."""
from datetime import datetime, time, timedelta, timezone

from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from marshmallow import Schema, fields

from mentoring.audit.services import audited_read
from mentoring.api.core import ErrorSchema, page_body, page_schema
from mentoring.auth import policy
from mentoring.cases import attachments, icd, outcomes, queries, reports, services
from mentoring.cases.schemas import (AttachmentSchema, CaseDetailSchema, CaseInSchema, CaseListArgs,
                                     CaseSchema, CloseInSchema, EscalateInSchema, Icd10Args, Icd10ListSchema,
                                     OutcomeInSchema, ReplyInSchema, ReplySchema, ReviewInSchema, SendInSchema)
from mentoring.extensions import db
from mentoring.bounds import accepts_upload
from mentoring.org.models import MentoringGroup

blp = Blueprint("cases_api", __name__, url_prefix="/api/v1", description="Case consultations")

CasePageSchema = page_schema(CaseSchema, "CasePage")


def _day(value, end: bool = False):
    if value is None:
        return None
    return datetime.combine(value + (timedelta(days=1) if end else timedelta()), time(), timezone.utc)


def filters_from(args: dict) -> queries.Filters:
    return queries.Filters(status=args.get("status"), urgency=args.get("urgency"),
                           icd10=args.get("icd10"), chapter=args.get("chapter"),
                           facility_id=args.get("facility_id"), province_code=args.get("province_code"),
                           group_id=args.get("group_id"), date_from=_day(args.get("date_from")),
                           date_to=_day(args.get("date_to"), end=True), q=args.get("q"))


def _detail(case):
    case._replies = queries.replies(case)
    case._attachments = queries.attachments(case)
    return case


@blp.route("/cases", methods=["GET"])
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, CasePageSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def list_cases(args):
    """Cases the caller may see, newest first; filters as on the search page."""
    page = queries.search(current_user, filters_from(args), args["page"], args["per_page"])
    return page_body(page)


@blp.route("/cases", methods=["POST"])
@blp.arguments(CaseInSchema)
@blp.response(201, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="Bad fields, identifiers in text, no consent; code "
                                                     "identifier_warning when only a suspected name or address "
                                                     "stands: send again with identifier_override_reason")
@login_required
def create_case(body):
    """Sent at once unless "draft": true; patient_consent must be true to send.
    Every field's problem is reported at once."""
    with policy.remembering():  # "may see the group", then "may ask in it": one membership query
        group = db.session.get(MentoringGroup, body["group_id"])
        if group is not None and not policy.allowed(current_user, "group.view", group):
            group = None
        case = services.create_case(current_user, group, body, draft=body.get("draft", False))
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>", methods=["GET"])
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@audited_read
@login_required
def get_case(case_id: int):
    case = queries.get_case(case_id, current_user)
    services.record_view(case, current_user)
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>/send", methods=["POST"])
@blp.arguments(SendInSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="Fields a sent case needs; code identifier_warning: "
                                                     "send again with identifier_override_reason")
@login_required
def send_case(body, case_id: int):
    """Send a draft."""
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.own", case, hide=True)
    services.send_case(case, current_user, override_reason=body.get("identifier_override_reason"))
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>/replies", methods=["POST"])
@blp.arguments(ReplyInSchema)
@blp.response(201, ReplySchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The case is closed")
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def add_reply(body, case_id: int):
    with policy.remembering():  # "may see", "may reply" and the reply's tier: one membership query
        case = queries.get_case(case_id, current_user)
        policy.require(current_user, "case.reply", case)
        reply = services.add_reply(case, current_user, body["body"],
                                   recommendation=body["recommendation"], parent_id=body["parent_id"])
    db.session.commit()
    return reply


@blp.route("/cases/<int:case_id>/escalate", methods=["POST"])
@blp.arguments(EscalateInSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@login_required
def escalate(body, case_id: int):
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.escalate", case)
    services.escalate_case(case, by=current_user, reason=body.get("reason"))
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>/close", methods=["POST"])
@blp.arguments(CloseInSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def close(body, case_id: int):
    """The asker (or a coordinator) closes with the outcome (outcome_code
    and/or outcome text); a mentor closes a stale case with a reason."""
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.close", case)
    outcomes.close_case(case, current_user, body.get("outcome"), code=body.get("outcome_code"),
                        referred_tier=body.get("referred_tier"), reason=body.get("reason"))
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>/outcome", methods=["POST"])
@blp.arguments(OutcomeInSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def record_outcome(body, case_id: int):
    """What became of the patient (the asker or a coordinator): closes the
    case the first time, updates the outcome at the follow-ups."""
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.outcome", case)
    outcomes.record_outcome(case, current_user, body.get("outcome"), code=body.get("outcome_code"),
                            referred_tier=body.get("referred_tier"), close=case.status != "closed")
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>/confirm", methods=["POST"])
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@login_required
def confirm_answered(case_id: int):
    """The asker: my question is answered."""
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.own", case, hide=True)
    outcomes.confirm_answered(case, current_user)
    db.session.commit()
    return _detail(case)


@blp.route("/cases/<int:case_id>/review", methods=["POST"])
@blp.arguments(ReviewInSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def review_override(body, case_id: int):
    """A mentor reviews a case sent despite a name or address warning."""
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.review", case)
    outcomes.review_override(case, current_user, body["decision"])
    db.session.commit()
    return _detail(case)


class OutcomeRowSchema(Schema):
    province = fields.String()
    tier = fields.String(metadata={"description": "the asker's tier; empty on a province's total"})
    cases = fields.Integer()
    coded = fields.Integer(metadata={"description": "with a coded outcome other than unknown"})
    managed = fields.Integer(metadata={"description": "managed at the station"})
    referred = fields.Integer()
    managed_share = fields.Float(allow_none=True)


class ReportArgs(Schema):
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")


OutcomeReportSchema = Schema.from_dict({"items": fields.List(fields.Nested(OutcomeRowSchema))},
                                       name="OutcomeReport")


@blp.route("/cases/outcome-report", methods=["GET"])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, OutcomeReportSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def outcome_report(args):
    """Coordinators: per province and the asker's tier, how many cases ended
    managed at the station (default: the last 90 days)."""
    policy.require(current_user, "case.report")
    return {"items": reports.outcome_report(_day(args["date_from"]), _day(args["date_to"], end=True))}


@blp.route("/cases/<int:case_id>/attachments", methods=["POST"])
@blp.response(201, AttachmentSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema, description="Larger than 10 MB")
@blp.alt_response(415, schema=ErrorSchema, description="Not JPEG, PNG, WebP or PDF")
@blp.alt_response(422, schema=ErrorSchema)
@login_required
@accepts_upload
def add_attachment(case_id: int):
    """Multipart field "file": JPEG, PNG, WebP (metadata stripped) or PDF, at most 10 MB."""
    case = queries.get_case(case_id, current_user)
    policy.require(current_user, "case.attach", case)
    attachment = attachments.add_attachment(case, current_user, request.files.get("file"))
    db.session.commit()
    return attachment


@blp.route("/icd10", methods=["GET"])
@blp.arguments(Icd10Args, location="query")
@blp.response(200, Icd10ListSchema)
@blp.alt_response(401, schema=ErrorSchema)
@login_required
def search_icd10(args):
    """WHO ICD-10 codes by code, words or abbreviation (?q=I10, ?q=tang huyet ap, ?q=THA), named in the
    reader's language."""
    return {"items": icd.search(args["q"], limit=20)}
