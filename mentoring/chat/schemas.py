"""Chat shapes for the JSON API (and the page's embedded state)."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from mentoring.bounds import MAX_ID, Id, PerPage
from mentoring.chat.models import MAX_BODY

_REQ = {"required": _l("This field is required."), "invalid": _l("Not a valid value.")}


class MessageSchema(Schema):
    """Same fields as the live `message` event (services.message_payload)."""
    id = fields.Integer()
    room = fields.Integer()
    author = fields.Integer()
    author_name = fields.String()
    body = fields.String()
    html = fields.String(metadata={"description": "body escaped, links made clickable"})
    created_at = fields.String()
    client_id = fields.String()
    urgent = fields.Boolean()
    deleted = fields.Boolean()
    edited_at = fields.String(allow_none=True)
    image = fields.Dict(allow_none=True, metadata={"description": "url, thumb_url, width, height"})
    seen_by = fields.List(fields.Integer(), metadata={"description": "ids of people who have read it"})


class RoomSchema(Schema):
    id = fields.Integer(attribute="room.id")
    kind = fields.String(attribute="room.kind")
    group_id = fields.Integer(attribute="room.group_id", allow_none=True)
    case_id = fields.Integer(attribute="room.case_id", allow_none=True)
    title = fields.String()
    unread = fields.Integer()
    online = fields.List(fields.Integer())
    last_message = fields.Method("_last")

    def _last(self, summary):
        from mentoring.chat.services import message_payload
        return message_payload(summary.last_message) if summary.last_message else None


class HistoryArgs(Schema):
    after = fields.Integer(load_default=None, error_messages=_REQ,
                           validate=validate.Range(min=0, max=MAX_ID, error=_l("Not a valid value.")))
    before = Id(load_default=None, error_messages=_REQ)
    per_page = PerPage(default=50, most=200, error_messages=_REQ)


class PostMessageSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY),
                         error_messages=_REQ)
    client_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    urgent = fields.Boolean(load_default=False)


class ImageFormSchema(Schema):
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    client_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    urgent = fields.Boolean(load_default=False)


class DirectRoomSchema(Schema):
    user_id = Id(required=True, error_messages=_REQ)


class AckPersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    at = fields.String(allow_none=True)


class AckStatusSchema(Schema):
    message_id = fields.Integer()
    acknowledged = fields.List(fields.Nested(AckPersonSchema))
    pending = fields.List(fields.Nested(AckPersonSchema))
