from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from mentoring.auth.models import LANGUAGES, ROLE_VALUES
from mentoring.bounds import Id


def _required():
    return {"required": _l("This field is required.")}


# Lengths checked before anything else looks at the text (a password is
# hashed: its length bounds the work). 254: the longest address SMTP carries.
EMAIL_MAX, PASSWORD_MAX, TIMEZONE_MAX = 254, 1024, 64


def _max(most: int):
    return validate.Length(max=most, error=_l("At most {max} characters."))


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=_max(EMAIL_MAX), error_messages=_required())
    password = fields.String(required=True, load_only=True, validate=_max(PASSWORD_MAX),
                             error_messages=_required())


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class LoginFormSchema(Schema):
    email = fields.String(required=True, validate=_max(EMAIL_MAX), error_messages=_required())
    password = fields.String(required=True, validate=_max(PASSWORD_MAX), error_messages=_required())
    remember = fields.Boolean(load_default=False)
    next = fields.String(load_default=None, validate=_max(2000))


class FacilityBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    tier = fields.String(attribute="tier_code")
    province_code = fields.Integer()
    province = fields.Function(lambda f: f.province.name if f.province else None)
    commune_code = fields.Integer(allow_none=True)
    commune = fields.Function(lambda f: f.commune.name if f.commune else None)


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    tier = fields.String(attribute="tier_code", allow_none=True)
    facility = fields.Nested(FacilityBriefSchema, allow_none=True)
    language = fields.String()
    timezone = fields.String()
    active = fields.Boolean()


class UserFormSchema(Schema):
    """Admin: create or edit an account."""
    email = fields.String(required=True, validate=_max(EMAIL_MAX), error_messages=_required())
    full_name = fields.String(required=True, validate=validate.Length(max=200),
                              error_messages=_required())
    password = fields.String(load_default=None, validate=_max(PASSWORD_MAX))
    role = fields.String(required=True, validate=validate.OneOf(ROLE_VALUES, error=_l("Choose a role.")),
                         error_messages=_required())
    tier_code = fields.String(load_default=None, validate=_max(20))
    facility_id = Id(load_default=None, error_messages={"invalid": _l("Choose a facility.")})
    language = fields.String(load_default="vi", validate=validate.OneOf(LANGUAGES))
    timezone = fields.String(load_default="Asia/Ho_Chi_Minh", validate=_max(TIMEZONE_MAX))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=_max(PASSWORD_MAX), error_messages=_required())
    new_password = fields.String(required=True, validate=_max(PASSWORD_MAX), error_messages=_required())
    confirm_password = fields.String(required=True, validate=_max(PASSWORD_MAX), error_messages=_required())


class PreferencesSchema(Schema):
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    timezone = fields.String(required=True, validate=_max(TIMEZONE_MAX), error_messages=_required())
