"""Marshmallow schemas for cases: the shape of API bodies and HTML forms.
Range checks, identifiers and ICD-10 codes are business rules and live in
services.clean_input, so API and form refuse the same things the same way."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from mentoring.cases import icd
from mentoring.cases.models import STATUSES, URGENCIES, VITALS
from mentoring.bounds import Id, Page, PerPage

_ERR = {"required": _l("This field is required."), "invalid": _l("Not a valid value."),
        "null": _l("This field is required.")}
_NUM = {"invalid": _l("Enter a number."), "null": _l("Enter a number.")}
_FLOAT_VITALS = ("temperature", "glucose", "weight", "height")


def _vital(name):
    return (fields.Float if name in _FLOAT_VITALS else fields.Integer)(
        load_default=None, allow_none=True, error_messages=_NUM)


VitalsSchema = Schema.from_dict({name: _vital(name) for name in VITALS}, name="Vitals")


class CaseInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    group_id = Id(required=True, error_messages=_ERR)
    age_years = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    age_months = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    sex = fields.String(required=True, error_messages=_ERR)
    pregnancy = fields.String(load_default=None, allow_none=True)
    complaint = fields.String(load_default="", allow_none=True)
    history = fields.String(load_default="", allow_none=True)
    examination = fields.String(load_default="", allow_none=True)
    question = fields.String(load_default="", allow_none=True)
    urgency = fields.String(load_default="routine")
    icd10 = fields.List(fields.String(), load_default=list)
    vitals = fields.Nested(VitalsSchema, load_default=dict)
    patient_consent = fields.Boolean(load_default=False, error_messages=_ERR)
    draft = fields.Boolean(load_default=False)


class _CaseFormBase(Schema):
    class Meta:
        unknown = EXCLUDE

    group_id = Id(required=True, error_messages=_ERR)
    age_years = fields.Integer(load_default=None, error_messages=_NUM)
    age_months = fields.Integer(load_default=None, error_messages=_NUM)
    sex = fields.String(required=True, error_messages=_ERR)
    pregnancy = fields.String(load_default=None)
    complaint = fields.String(load_default="")
    history = fields.String(load_default="")
    examination = fields.String(load_default="")
    question = fields.String(load_default="")
    urgency = fields.String(load_default="routine")
    icd10 = fields.String(load_default="")
    patient_consent = fields.Boolean(load_default=False)


def _form_vital(name):
    field = _vital(name)
    field.data_key = f"vitals.{name}"
    return field


# The HTML form: flat names (vitals.systolic), ICD-10 codes comma-separated.
CaseFormSchema = type("CaseFormSchema", (_CaseFormBase,), {n: _form_vital(n) for n in VITALS})


def form_to_input(data: dict) -> dict:
    """CaseFormSchema's result in the shape services.clean_input takes."""
    out = {k: v for k, v in data.items() if k not in VITALS}
    out["icd10"] = [c for c in (data.get("icd10") or "").replace(";", ",").split(",") if c.strip()]
    out["vitals"] = {name: data.get(name) for name in VITALS}
    return out


def case_to_form(case) -> dict:
    values = {k: getattr(case, k) for k in ("group_id", "age_years", "age_months", "sex", "pregnancy",
                                            "complaint", "history", "examination", "question",
                                            "urgency")}
    values.update({f"vitals.{k}": v for k, v in case.vitals.items()})
    values["icd10"] = ", ".join(case.icd10)
    values["patient_consent"] = case.patient_consent
    return {k: ("" if v is None else v) for k, v in values.items()}


class DiagnosisSchema(Schema):
    code = fields.String()
    chapter = fields.String()
    description = fields.Function(lambda d: icd.describe(d.code))


class Icd10MatchSchema(Schema):
    code = fields.String()
    description = fields.String()


class Icd10ListSchema(Schema):
    items = fields.List(fields.Nested(Icd10MatchSchema))


class Icd10Args(Schema):
    q = fields.String(load_default="", metadata={"description": "a code (I10) or words (hypertension)"})


class CaseSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    urgency = fields.String()
    group_id = fields.Integer()
    asker_id = fields.Integer()
    facility_id = fields.Integer(allow_none=True)
    province_code = fields.Integer(allow_none=True)
    age_years = fields.Integer(allow_none=True)
    age_months = fields.Integer(allow_none=True)
    sex = fields.String()
    pregnancy = fields.String()
    complaint = fields.String()
    question = fields.String()
    icd10 = fields.List(fields.String())
    current_tier = fields.String(attribute="current_tier_code", allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    claimed_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    first_answer_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    refer_in_person = fields.Function(lambda c: c.urgency == "emergency" and c.status != "draft")


class ReplySchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    author_id = fields.Integer()
    author_name = fields.Function(lambda r: r.author.full_name)
    author_tier = fields.String(attribute="author_tier_code", allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    body = fields.String()
    is_recommendation = fields.Boolean()
    created_at = fields.DateTime()


class AttachmentSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    content_type = fields.String()
    size = fields.Integer()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    url = fields.Function(lambda a: f"/cases/{a.case_id}/attachments/{a.id}")
    thumbnail_url = fields.Function(
        lambda a: f"/cases/{a.case_id}/attachments/{a.id}/thumb" if a.thumb_name else None)
    created_at = fields.DateTime()


class CaseDetailSchema(CaseSchema):
    history = fields.String(allow_none=True)
    examination = fields.String(allow_none=True)
    vitals = fields.Dict(keys=fields.String(), values=fields.Float())
    diagnoses = fields.List(fields.Nested(DiagnosisSchema))
    patient_consent = fields.Boolean()
    consent_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    outcome_at = fields.DateTime(allow_none=True)
    replies = fields.Function(lambda c: ReplySchema(many=True).dump(getattr(c, "_replies", [])))
    attachments = fields.Function(lambda c: AttachmentSchema(many=True).dump(getattr(c, "_attachments", [])))


class CaseListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    urgency = fields.String(load_default=None, validate=validate.OneOf(URGENCIES))
    icd10 = fields.String(load_default=None)
    chapter = fields.String(load_default=None)
    facility_id = Id(load_default=None)
    province_code = Id(load_default=None)
    group_id = Id(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    q = fields.String(load_default=None)
    page = Page()
    per_page = PerPage()

    @pre_load
    def _blank_is_missing(self, data, **_kw):
        return {k: v for k, v in data.items() if v != ""}


class ReplyInSchema(Schema):
    body = fields.String(required=True, error_messages=_ERR)
    recommendation = fields.Boolean(load_default=False)
    parent_id = Id(load_default=None, allow_none=True)


class EscalateInSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True)


class CloseInSchema(Schema):
    outcome = fields.String(required=True, error_messages=_ERR)
