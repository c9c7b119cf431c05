from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from mentoring.bounds import Id, Page, PerPage
from mentoring.org.models import KIND_TIER

_REQ = {"required": _l("This field is required."), "invalid": _l("Not a valid value.")}


class MemberSchema(Schema):
    id = fields.Integer(attribute="user_id")
    membership_id = fields.Integer(attribute="id")
    full_name = fields.Function(lambda m: m.user.full_name)
    tier = fields.String(attribute="tier_code")
    role = fields.String()
    facility = fields.Function(lambda m: m.user.facility.name if m.user.facility else None)
    joined_on = fields.Date()
    supervisor_id = fields.Function(lambda m: m.supervisor.user_id if m.supervisor_id else None)


class CompositionSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    minimum = fields.Dict(keys=fields.String(), values=fields.Integer())
    missing = fields.Dict(keys=fields.String(), values=fields.Integer())
    complete = fields.Boolean()


class GroupSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    mentor_id = fields.Function(lambda g: g._composition.mentor.id if g._composition.mentor else None)
    composition = fields.Function(lambda g: CompositionSchema().dump(g._composition))


class GroupDetailSchema(GroupSchema):
    members = fields.Function(
        lambda g: MemberSchema(many=True).dump([m for m in g.memberships if m.left_on is None]))


class GroupListArgs(Schema):
    page = Page()
    per_page = PerPage()


class FacilityFormSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=200), error_messages=_REQ)
    kind = fields.String(required=True, validate=validate.OneOf(list(KIND_TIER), error=_l("Choose the kind of facility.")),
                         error_messages=_REQ)
    province_code = Id(required=True, error_messages=_REQ)
    commune_code = Id(load_default=None, error_messages=_REQ)
    area = fields.String(load_default=None, validate=validate.Length(max=200))


class GroupFormSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=200), error_messages=_REQ)
    mentor_id = Id(required=True, error_messages=_REQ)
    description = fields.String(load_default=None, validate=validate.Length(max=1000))


class MemberFormSchema(Schema):
    user_id = Id(required=True, error_messages=_REQ)
    tier_code = fields.String(required=True, validate=validate.Length(max=20), error_messages=_REQ)
    supervisor_id = Id(load_default=None, error_messages=_REQ)
    joined_on = fields.Date(load_default=None, error_messages=_REQ)
