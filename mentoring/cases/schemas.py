"""Marshmallow schemas for cases: the shape of API bodies and HTML forms.
Range checks, identifiers and ICD-10 codes are business rules and live in
intake.clean_input, so API and form refuse the same things the same way."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from mentoring.cases import icd, ncd
from mentoring.cases.intake import OVERRIDE_LIMIT, TEXT_LIMITS
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


def _max(n: int):
    return validate.Length(max=n, error=_l("At most {max} characters."))


def _text(name: str, **kw):
    return fields.String(load_default="", allow_none=True, validate=_max(TEXT_LIMITS[name]), **kw)


def _short(n: int = 30, **kw):
    return fields.String(load_default=None, allow_none=True, validate=_max(n), **kw)


class ReadingSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    taken_on = fields.Date(load_default=None, allow_none=True,
                           error_messages={"invalid": _l("Enter a date."), "null": _l("Enter a date.")})
    systolic = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    diastolic = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    pulse = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    glucose = fields.Float(load_default=None, allow_none=True, error_messages=_NUM,
                           metadata={"description": "fasting plasma glucose, mmol/L"})
    hba1c = fields.Float(load_default=None, allow_none=True, error_messages=_NUM, metadata={"description": "%"})
    weight = fields.Float(load_default=None, allow_none=True, error_messages=_NUM, metadata={"description": "kg"})


class MedicationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _short(ncd.MEDICATION_LIMITS["name"])
    dose = _short(ncd.MEDICATION_LIMITS["dose"])
    frequency = _short(ncd.MEDICATION_LIMITS["frequency"])


class NcdSchema(Schema):
    """The follow-up section of a hypertension or type 2 diabetes case."""
    class Meta:
        unknown = EXCLUDE

    kind = _short(metadata={"description": "hypertension | diabetes"})
    readings = fields.List(fields.Nested(ReadingSchema), load_default=list,
                           validate=validate.Length(max=ncd.MAX_READINGS))
    medications = fields.List(fields.Nested(MedicationSchema), load_default=list,
                              validate=validate.Length(max=ncd.MAX_MEDICATIONS))
    adherence = _short(metadata={"description": "good | partial | poor | unknown"})
    complications_screened = fields.List(fields.String(validate=_max(30)), load_default=list,
                                         validate=validate.Length(max=10))


class CaseInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    group_id = Id(required=True, error_messages=_ERR)
    age_years = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    age_months = fields.Integer(load_default=None, allow_none=True, error_messages=_NUM)
    sex = fields.String(load_default=None, allow_none=True, validate=_max(10),
                        metadata={"description": "female | male | other; required to send"})
    pregnancy = _short(20)
    complaint = _text("complaint")
    history = _text("history")
    examination = _text("examination")
    question = _text("question")
    urgency = fields.String(load_default="routine", validate=_max(20))
    icd10 = fields.List(fields.String(validate=_max(10)), load_default=list, validate=validate.Length(max=20))
    vitals = fields.Nested(VitalsSchema, load_default=dict)
    ncd = fields.Nested(NcdSchema, load_default=None, allow_none=True)
    follow_up_of = Id(load_default=None, allow_none=True,
                      metadata={"description": "the id of the asker's own earlier case about this patient"})
    identifier_override_reason = fields.String(
        load_default=None, allow_none=True, validate=_max(OVERRIDE_LIMIT),
        metadata={"description": "why a suspected name or address is not the patient's (answer to a 422 "
                                 "with code identifier_warning)"})
    patient_consent = fields.Boolean(load_default=False, error_messages=_ERR)
    draft = fields.Boolean(load_default=False)

    def rule_errors(self, valid: dict) -> dict:
        """Some fields have the wrong shape: the case rules are checked on the
        others now too, so every message comes in one answer, as on the form
        (mentoring.errors_http merges these under the shape errors)."""
        from flask_login import current_user
        if not current_user.is_authenticated:
            return {}
        from mentoring.cases import intake
        _values, errors, _signature, _warned = intake.check(
            valid, sending=not valid.get("draft", False), asker=current_user)
        return errors


# The HTML form: flat names (vitals.systolic, ncd.readings.0.systolic), a
# fixed number of reading and drug rows, ICD-10 codes comma-separated.
FORM_READINGS = 6
FORM_MEDICATIONS = 6


class _CaseFormBase(Schema):
    class Meta:
        unknown = EXCLUDE

    group_id = Id(required=True, error_messages=_ERR)
    age_years = fields.Integer(load_default=None, error_messages=_NUM)
    age_months = fields.Integer(load_default=None, error_messages=_NUM)
    sex = _short(10)
    pregnancy = _short(20)
    complaint = _text("complaint")
    history = _text("history")
    examination = _text("examination")
    question = _text("question")
    urgency = fields.String(load_default="routine", validate=_max(20))
    icd10 = fields.String(load_default="", validate=_max(300))
    follow_up_of = Id(load_default=None)
    identifier_override_reason = fields.String(load_default=None, validate=_max(OVERRIDE_LIMIT))
    identifier_signature = fields.String(load_default=None, validate=_max(64))
    patient_consent = fields.Boolean(load_default=False)


def _keyed(field, key: str):
    field.data_key = key
    return field


def _form_fields() -> dict:
    out = {n: _keyed(_vital(n), f"vitals.{n}") for n in VITALS}
    out["ncd_kind"] = _keyed(_short(), "ncd.kind")
    out["ncd_adherence"] = _keyed(_short(), "ncd.adherence")
    for n in range(FORM_READINGS):
        for name, field in ReadingSchema().fields.items():
            out[f"r{n}_{name}"] = _keyed(type(field)(load_default=None, allow_none=True,
                                                   error_messages=field.error_messages),
                                         f"ncd.readings.{n}.{name}")
    for n in range(FORM_MEDICATIONS):
        for name, limit in ncd.MEDICATION_LIMITS.items():
            out[f"m{n}_{name}"] = _keyed(_short(limit), f"ncd.medications.{n}.{name}")
    return out


CaseFormSchema = type("CaseFormSchema", (_CaseFormBase,), _form_fields())
READING_KEYS = tuple(ReadingSchema().fields)


def form_to_input(data: dict, screened: list[str] | None = None) -> dict:
    """CaseFormSchema's result (or the part of it that loaded) in the shape
    intake.clean_input takes. `screened`: the ticked complication boxes."""
    out = {k: data[k] for k in _CaseFormBase._declared_fields if k in data}
    out["icd10"] = [c for c in (data.get("icd10") or "").replace(";", ",").split(",") if c.strip()]
    out["vitals"] = {name: data.get(name) for name in VITALS}
    out["ncd"] = {
        "kind": data.get("ncd_kind"), "adherence": data.get("ncd_adherence"),
        "complications_screened": [c for c in (screened or []) if c][:10],
        "readings": [{k: data.get(f"r{n}_{k}") for k in READING_KEYS} for n in range(FORM_READINGS)],
        "medications": [{k: data.get(f"m{n}_{k}") for k in ncd.MEDICATION_LIMITS} for n in range(FORM_MEDICATIONS)],
    }
    return out


def case_to_form(case) -> dict:
    values = {k: getattr(case, k) for k in ("group_id", "age_years", "age_months", "sex", "pregnancy",
                                            "complaint", "history", "examination", "question",
                                            "urgency")}
    values.update({f"vitals.{k}": v for k, v in case.vitals.items()})
    values["icd10"] = ", ".join(case.icd10)
    values["patient_consent"] = case.patient_consent
    values["follow_up_of"] = case.follow_up_of_id
    values["ncd.kind"], values["ncd.adherence"] = case.ncd_kind, case.adherence
    for n, reading in enumerate(case.readings[:FORM_READINGS]):
        for k in READING_KEYS:
            value = getattr(reading, k)
            values[f"ncd.readings.{n}.{k}"] = value.isoformat() if hasattr(value, "isoformat") else value
    for n, drug in enumerate(case.medications[:FORM_MEDICATIONS]):
        for k in ncd.MEDICATION_LIMITS:
            values[f"ncd.medications.{n}.{k}"] = getattr(drug, k)
    out = {k: ("" if v is None else v) for k, v in values.items()}
    out["ncd.complications_screened"] = list(case.complications_screened or [])
    return out


class DiagnosisSchema(Schema):
    code = fields.String()
    chapter = fields.String()
    description = fields.Function(lambda d: icd.describe(d.code),
                                  metadata={"description": "the name in the reader's language"})
    name_en = fields.Function(lambda d: icd.english(d.code))
    name_vi = fields.Function(lambda d: icd.vietnamese().get(d.code, (None,))[0])


class Icd10MatchSchema(Schema):
    code = fields.String()
    description = fields.String(metadata={"description": "the name in the reader's language"})
    name_en = fields.String()
    name_vi = fields.String(allow_none=True)


class Icd10ListSchema(Schema):
    items = fields.List(fields.Nested(Icd10MatchSchema))


class Icd10Args(Schema):
    q = fields.String(load_default="", validate=_max(icd.MAX_QUERY),
                      metadata={"description": "a code (I10), words with or without diacritics "
                                               "(tang huyet ap, hypertension) or an abbreviation (THA, COPD)"})


class ReadingOutSchema(Schema):
    taken_on = fields.Date()
    systolic = fields.Integer(allow_none=True)
    diastolic = fields.Integer(allow_none=True)
    pulse = fields.Integer(allow_none=True)
    glucose = fields.Float(allow_none=True)
    hba1c = fields.Float(allow_none=True)
    weight = fields.Float(allow_none=True)


class MeasureSchema(Schema):
    name = fields.String()
    value = fields.String()
    target = fields.String()
    reached = fields.Boolean()
    taken_on = fields.Date()


def _ncd_out(case):
    if not case.ncd_kind:
        return None
    assessment = ncd.assess(case)
    return {"kind": case.ncd_kind, "adherence": case.adherence,
            "complications_screened": case.complications_screened or [],
            "readings": ReadingOutSchema(many=True).dump(case.readings),
            "medications": [{"name": m.name, "dose": m.dose, "frequency": m.frequency} for m in case.medications],
            "target_reached": assessment.reached,
            "measures": MeasureSchema(many=True).dump(assessment.measures)}


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
    answered_at = fields.DateTime(allow_none=True)
    answer_confirmed_at = fields.DateTime(allow_none=True)
    recommendation_given = fields.Function(lambda c: c.recommended_at is not None)
    closed_at = fields.DateTime(allow_none=True)
    outcome_code = fields.String(allow_none=True)
    referred_tier = fields.String(attribute="referred_tier_code", allow_none=True)
    ncd_kind = fields.String(allow_none=True)
    follow_up_of = fields.Integer(attribute="follow_up_of_id", allow_none=True)
    awaiting_review = fields.Boolean(metadata={"description": "sent despite a name or address warning; "
                                                              "out of the library until a mentor clears it"})
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
    close_reason = fields.String(allow_none=True)
    ncd = fields.Function(_ncd_out)
    identifier_override_reason = fields.String(allow_none=True)
    override_review = fields.String(allow_none=True)
    replies = fields.Function(lambda c: ReplySchema(many=True).dump(getattr(c, "_replies", [])))
    attachments = fields.Function(lambda c: AttachmentSchema(many=True).dump(getattr(c, "_attachments", [])))


class CaseListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    urgency = fields.String(load_default=None, validate=validate.OneOf(URGENCIES))
    icd10 = fields.String(load_default=None, validate=_max(10))
    chapter = fields.String(load_default=None, validate=_max(10))
    facility_id = Id(load_default=None)
    province_code = Id(load_default=None)
    group_id = Id(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    q = fields.String(load_default=None, validate=_max(200))
    page = Page()
    per_page = PerPage()

    @pre_load
    def _blank_is_missing(self, data, **_kw):
        return {k: v for k, v in data.items() if v != ""}


class ReplyInSchema(Schema):
    body = fields.String(required=True, error_messages=_ERR, validate=_max(8000))
    recommendation = fields.Boolean(load_default=False)
    parent_id = Id(load_default=None, allow_none=True)


class EscalateInSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=_max(2000))


class OutcomeInSchema(Schema):
    outcome_code = fields.String(load_default=None, allow_none=True, validate=_max(20), metadata={
        "description": "managed_at_station | referred | died | lost_to_follow_up | unknown"})
    referred_tier = fields.String(load_default=None, allow_none=True, validate=_max(20),
                                  metadata={"description": "with referred: the tier the patient went to"})
    outcome = fields.String(load_default=None, allow_none=True, validate=_max(4000),
                            metadata={"description": "free text beside the code"})


class CloseInSchema(OutcomeInSchema):
    """The asker (or a coordinator) closes with the outcome; a mentor with a reason."""
    reason = fields.String(load_default=None, allow_none=True, validate=_max(2000),
                           metadata={"description": "a mentor closing a stale case says why"})


class SendInSchema(Schema):
    identifier_override_reason = fields.String(load_default=None, allow_none=True,
                                               validate=_max(OVERRIDE_LIMIT))


class ReviewInSchema(Schema):
    decision = fields.String(required=True, error_messages=_ERR, validate=_max(10),
                             metadata={"description": "cleared | withheld"})
