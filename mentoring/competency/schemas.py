"""Marshmallow schemas for competency doors: the shape and bounds of what
comes in (lengths first), and what the API gives out. Business rules (levels
1-4, hours a day, who may assess) live in the services."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from mentoring import clock
from mentoring.bounds import Id, Page, PerPage
from mentoring.competency.dashboard import DIMENSIONS, STATUSES

_ERR = {"required": _l("This field is required."), "invalid": _l("Not a valid value."),
        "null": _l("This field is required.")}
_NUM = {"invalid": _l("Enter a number."), "null": _l("Enter a number."), "required": _l("This field is required."),
        "special": _l("Enter a number.")}
_DATE = {"invalid": _l("Enter a date."), "required": _l("This field is required."), "null": _l("Enter a date.")}


def _length(most: int):
    return validate.Length(max=most, error=_l("At most {max} characters."))


class _Blank(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_missing(self, data, **_kw):
        return {k: v for k, v in data.items() if v != ""} if isinstance(data, dict) else data


class AssessmentInSchema(_Blank):
    competency = fields.String(required=True, validate=_length(40), error_messages=_ERR)
    level = fields.Integer(required=True, strict=False, error_messages=_NUM)
    evidence_kind = fields.String(load_default="observation", validate=_length(20))
    evidence_id = Id(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=_length(2000))
    assessed_on = fields.Date(load_default=None, allow_none=True, error_messages=_DATE)


class CourseInSchema(_Blank):
    title = fields.String(required=True, validate=_length(300), error_messages=_ERR)
    provider = fields.String(required=True, validate=_length(300), error_messages=_ERR)
    started_on = fields.Date(required=True, error_messages=_DATE)
    ended_on = fields.Date(required=True, error_messages=_DATE)
    hours = fields.Float(required=True, allow_nan=False, error_messages=_NUM)


class CourseDecisionSchema(_Blank):
    approve = fields.Boolean(required=True, error_messages=_ERR)
    reason = fields.String(load_default="", validate=_length(2000))


class ReasonSchema(_Blank):
    reason = fields.String(load_default="", validate=_length(2000))


class ReissueSchema(_Blank):
    programme = fields.String(required=True, validate=_length(40), error_messages=_ERR)
    reason = fields.String(load_default="", validate=_length(2000))


class GoLiveSchema(_Blank):
    facility_id = Id(required=True, error_messages=_ERR)
    go_live_on = fields.Date(required=True, error_messages=_DATE)
    note = fields.String(load_default="", validate=_length(500))


class DashboardArgs(_Blank):
    programme = fields.String(load_default=None, validate=_length(40))
    province_code = Id(load_default=None)
    facility_id = Id(load_default=None)
    tier = fields.String(load_default=None, validate=_length(20))
    group_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    by = fields.String(load_default="province", validate=validate.OneOf(DIMENSIONS))
    page = Page()


class ReadinessArgs(_Blank):
    province_code = Id(load_default=None)


class RolloutListArgs(_Blank):
    province_code = Id(load_default=None)
    page = Page()
    per_page = PerPage()


class RolloutInSchema(_Blank):
    facility_id = Id(required=True, error_messages=_ERR)
    go_live_on = fields.Date(required=True, error_messages=_DATE)
    note = fields.String(load_default="", validate=_length(500))
    staff_ids = fields.List(Id(), load_default=None, allow_none=True,
                            validate=validate.Length(max=500, error=_l("At most {max} people.")),
                            metadata={"description": "who must be ready; [] = the facility's active health workers"})


class FacilityReadinessSchema(Schema):
    id = fields.Function(lambda r: r.facility_id, metadata={"description": "the facility's id"})
    facility_id = fields.Integer()
    name = fields.String()
    province_code = fields.Integer()
    province_name = fields.String()
    go_live_on = fields.Date()
    staff = fields.Integer()
    ready = fields.Integer()
    state = fields.String()


# --- out ---------------------------------------------------------------------

class CertificateSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    status = fields.Function(lambda c: c.status_on(clock.now().date()))
    programme = fields.Function(lambda c: c.programme.code)
    programme_title = fields.Function(lambda c: c.programme.title_vi)
    issued_on = fields.Date()
    expires_on = fields.Date()
    hours = fields.Float()
    pdf_url = fields.Function(lambda c: url_for("competency.certificate_pdf", code=c.code))
    verify_url = fields.Function(lambda c: url_for("competency.verify_certificate", code=c.code))
    badge_url = fields.Function(lambda c: url_for("competency.badge_assertion", code=c.code))


class PublicCertificateSchema(Schema):
    """What anyone may learn from a code: nothing beyond the paper itself."""
    status = fields.String()
    name = fields.String()
    programme = fields.String()
    hours = fields.Float()
    issued_on = fields.Date()
    expires_on = fields.Date()
    revoked_on = fields.Date(allow_none=True)


class KindHoursSchema(Schema):
    kind = fields.String()
    hours = fields.Float()
    cap = fields.Float(allow_none=True)
    counted = fields.Float()
    credits = fields.Integer()


class ProgrammeProgressSchema(Schema):
    code = fields.Function(lambda p: p.programme.code)
    title = fields.Function(lambda p: p.programme.title_vi)
    status = fields.String()
    met = fields.Boolean()
    missing = fields.List(fields.String())
    window_start = fields.DateTime()
    hours_required = fields.Float(allow_none=True)
    hours_counted = fields.Float()
    by_kind = fields.List(fields.Nested(KindHoursSchema))
    certificate_code = fields.Function(lambda p: p.certificate.code if p.certificate else None)


class HoursSchema(Schema):
    this_year = fields.Float()
    window = fields.Float()
    required = fields.Float(allow_none=True)


class CompetencyLevelSchema(Schema):
    code = fields.Function(lambda s: s.competency.code)
    title = fields.Function(lambda s: s.competency.title_vi)
    framework = fields.Function(lambda s: s.competency.framework.code)
    level = fields.Integer(attribute="mentor_level", allow_none=True)
    assessed_on = fields.Date(attribute="mentor_on", allow_none=True)
    self_level = fields.Integer(allow_none=True)
    gap = fields.Integer(allow_none=True)


class ProgressSchema(Schema):
    user_id = fields.Function(lambda w: w.user.id)
    name = fields.Function(lambda w: w.user.full_name)
    hours = fields.Nested(HoursSchema)
    programmes = fields.List(fields.Nested(ProgrammeProgressSchema))
    competencies = fields.Function(lambda w: CompetencyLevelSchema(many=True).dump(
        [s for _, items in w.standings for s in items]))
    certificates = fields.List(fields.Nested(CertificateSchema))


class AssessmentSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    competency = fields.Function(lambda a: a.competency.code)
    assessor_id = fields.Integer()
    is_self = fields.Boolean()
    level = fields.Integer()
    evidence_kind = fields.String()
    evidence_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    assessed_on = fields.Date()


class CourseSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    title = fields.String()
    provider = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date()
    hours = fields.Float()
    status = fields.String()
    reason = fields.String(allow_none=True)
    content_type = fields.String()


class ReissueResultSchema(Schema):
    issued = fields.Boolean()
    certificate = fields.Nested(CertificateSchema, allow_none=True)
