"""Marshmallow schemas for sessions: API bodies, list arguments, the HTML
form. Lengths are bounded here, before any work; the business rules (times,
links, audience, capacity) live in services.clean_input so form and API
refuse the same things the same way."""
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from mentoring.bounds import Id, Page, PerPage
from mentoring.sessions.models import RSVP_RESPONSES
from mentoring.sessions.recurrence import FREQUENCIES

_ERR = {"required": _l("This field is required."), "invalid": _l("Not a valid value."),
        "null": _l("This field is required.")}
_NUM = {"invalid": _l("Enter a number."), "null": _l("Enter a number.")}
_WHEN = {"invalid": _l("Give a date and time with its offset, e.g. 2027-01-05T14:00:00+07:00."),
         "required": _l("This field is required."), "null": _l("This field is required.")}
_TOO_LONG = _l("Too long.")
SCOPES = ("this", "following")


def _text(most: int, **kw):
    return fields.String(validate=validate.Length(max=most, error=_TOO_LONG), error_messages=_ERR, **kw)


def _minutes(**kw):
    return fields.Integer(validate=validate.Range(min=-100_000, max=100_000, error=_l("Not a valid value.")),
                          error_messages=_NUM, **kw)


class _SessionFields(Schema):
    class Meta:
        unknown = EXCLUDE

    group_id = Id(load_default=None, error_messages=_ERR)
    group_ids = fields.List(Id(), load_default=None, validate=validate.Length(max=50, error=_TOO_LONG))
    tiers = fields.List(_text(20), load_default=None, validate=validate.Length(max=10, error=_TOO_LONG))
    topic = _text(200, load_default=None, allow_none=True)
    description = _text(5000, load_default=None, allow_none=True)
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True, error_messages=_WHEN)
    duration_minutes = _minutes(load_default=None, allow_none=True)
    timezone = _text(64, load_default=None, allow_none=True,
                     metadata={"description": "IANA zone, e.g. Asia/Ho_Chi_Minh (default: the caller's)"})
    place = _text(300, load_default=None, allow_none=True)
    video_url = _text(500, load_default=None, allow_none=True, metadata={"description": "https only"})
    generate_video = fields.Boolean(load_default=False, metadata={
        "description": "make a room on the configured video service instead of video_url"})
    capacity = _minutes(load_default=None, allow_none=True)
    competencies = fields.List(_text(100), load_default=None,
                               validate=validate.Length(max=50, error=_TOO_LONG))
    host_id = Id(load_default=None, allow_none=True, metadata={"description": "coordinators: the mentor who hosts"})
    workshop_id = Id(load_default=None, allow_none=True)
    recording_url = _text(500, load_default=None, allow_none=True)


class SessionInSchema(_SessionFields):
    title = _text(200, required=True)
    starts_at = fields.AwareDateTime(required=True, error_messages=_WHEN)
    recurrence = fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(("none", *FREQUENCIES), error=_l("Not a valid value.")))
    until = fields.Date(load_default=None, allow_none=True, error_messages=_ERR,
                        metadata={"description": "last day of a series, in the session's zone"})
    count = _minutes(load_default=None, allow_none=True, metadata={"description": "number of sessions in a series"})


class SessionChangeSchema(_SessionFields):
    title = _text(200, load_default=None)
    starts_at = fields.AwareDateTime(load_default=None, error_messages=_WHEN)
    scope = fields.String(load_default="this", validate=validate.OneOf(SCOPES, error=_l("Not a valid value.")))
    recurrence = fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(("none", *FREQUENCIES), error=_l("Not a valid value.")))
    until = fields.Date(load_default=None, allow_none=True, error_messages=_ERR)
    count = _minutes(load_default=None, allow_none=True)


class CancelInSchema(Schema):
    scope = fields.String(load_default="this", validate=validate.OneOf(SCOPES, error=_l("Not a valid value.")))


class SessionListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    since = fields.AwareDateTime(data_key="from", load_default=None, error_messages=_WHEN,
                                 metadata={"description": "sessions ending after this time"})
    until = fields.AwareDateTime(data_key="to", load_default=None, error_messages=_WHEN,
                                 metadata={"description": "sessions starting before this time"})
    workshop_id = Id(load_default=None)
    page = Page()
    per_page = PerPage()

    @pre_load
    def _dates_too(self, data, **_kw):
        """?from=2027-01-05 means that day's start in UTC."""
        out = {k: v for k, v in data.items() if v != ""}
        for key in ("from", "to"):
            value = out.get(key)
            if isinstance(value, str) and len(value) == 10:
                out[key] = value + "T00:00:00+00:00"
        return out


class RsvpInSchema(Schema):
    response = fields.String(required=True, error_messages=_ERR,
                             validate=validate.OneOf(RSVP_RESPONSES, error=_l("Answer yes, no or maybe.")))


class AttendanceInSchema(Schema):
    user_id = Id(required=True, error_messages=_ERR)
    attended = fields.Boolean(load_default=None, allow_none=True, error_messages=_ERR)
    minutes = _minutes(load_default=None, allow_none=True)
    reason = _text(500, load_default=None, allow_none=True)


class FeedbackInSchema(Schema):
    rating = fields.Integer(required=True, error_messages=_NUM,
                            validate=validate.Range(min=1, max=5, error=_l("Choose a rating from 1 to 5.")))
    comment = _text(2000, load_default=None, allow_none=True)


# --- output -----------------------------------------------------------------

class AudienceSchema(Schema):
    group_id = fields.Integer()
    tier = fields.String(attribute="tier_code", allow_none=True)


class SessionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    topic = fields.String(allow_none=True)
    status = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    duration_minutes = fields.Integer()
    timezone = fields.String()
    host_id = fields.Integer()
    host_name = fields.Function(lambda s: s.host.full_name)
    group_ids = fields.List(fields.Integer())
    audience = fields.List(fields.Nested(AudienceSchema), attribute="audiences")
    series_id = fields.Integer(allow_none=True)
    workshop_id = fields.Integer(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    competency_codes = fields.List(fields.String())
    sequence = fields.Integer()
    url = fields.Function(lambda s: f"/sessions/{s.id}")
    ics_url = fields.Function(lambda s: f"/api/v1/sessions/{s.id}/ics")


class AgendaItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    title = fields.String()
    minutes = fields.Integer()
    presenter_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)


class MaterialSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    review_status = fields.String()
    agenda_item_id = fields.Integer(allow_none=True)
    url = fields.Function(lambda m: f"/sessions/{m.session_id}/materials/{m.id}")


class SessionDetailSchema(SessionSchema):
    description = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    recording_url = fields.String(allow_none=True)
    agenda = fields.Function(lambda s: AgendaItemSchema(many=True).dump(getattr(s, "_agenda", [])))
    materials = fields.Function(lambda s: MaterialSchema(many=True).dump(getattr(s, "_materials", [])))
    my_rsvp = fields.Function(lambda s: getattr(s, "_my_rsvp", None))
    rsvp_counts = fields.Function(lambda s: getattr(s, "_counts", {}))
    warnings = fields.Function(lambda s: getattr(s, "_warnings", []),
                               metadata={"description": "the host's other sessions this one overlaps"})


class RsvpSchema(Schema):
    session_id = fields.Integer()
    user_id = fields.Integer()
    response = fields.String()
    waiting = fields.Boolean()
    waitlist_position = fields.Integer(allow_none=True)


class AttendanceSchema(Schema):
    session_id = fields.Integer()
    user_id = fields.Integer()
    minutes = fields.Integer()
    corrected = fields.Boolean()
    attended = fields.Boolean()


class FeedbackSchema(Schema):
    id = fields.Integer()
    session_id = fields.Integer()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)


# --- the HTML form ----------------------------------------------------------

class SessionFormSchema(Schema):
    """Flat fields of the page's form: local date and times in the chosen zone."""
    class Meta:
        unknown = EXCLUDE

    title = _text(200, load_default="")
    topic = _text(200, load_default=None)
    description = _text(5000, load_default=None)
    starts_on = fields.Date(load_default=None, error_messages={"invalid": _l("Give a date.")})
    start_time = fields.Time(load_default=None, error_messages={"invalid": _l("Give a time, e.g. 14:00.")})
    end_time = fields.Time(load_default=None, error_messages={"invalid": _l("Give a time, e.g. 15:00.")})
    timezone = _text(64, load_default=None)
    place = _text(300, load_default=None)
    video_url = _text(500, load_default=None)
    generate_video = fields.Boolean(load_default=False)
    capacity = _minutes(load_default=None)
    competencies = _text(600, load_default=None)
    host_id = Id(load_default=None)
    workshop_id = fields.Integer(load_default=None, error_messages=_NUM,
                                 validate=validate.Range(min=0, max=2 ** 31 - 1))
    recurrence = fields.String(load_default=None, validate=validate.OneOf(("none", *FREQUENCIES)))
    until = fields.Date(load_default=None, error_messages={"invalid": _l("Give a date.")})
    count = _minutes(load_default=None)
    recording_url = _text(500, load_default=None)
    scope = fields.String(load_default="this", validate=validate.OneOf(SCOPES))


def form_to_input(data: dict, group_ids: list[int], tiers: list[str], default_zone: str) -> dict:
    """The form's local date and times, in the chosen zone, as the service's input."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    out = {k: v for k, v in data.items() if k not in ("starts_on", "start_time", "end_time", "competencies")}
    out["competencies"] = data.get("competencies") or ""
    out["group_ids"], out["tiers"] = group_ids, tiers
    try:
        zone = ZoneInfo(data.get("timezone") or default_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(default_zone)
    day, start, end = data.get("starts_on"), data.get("start_time"), data.get("end_time")
    out["starts_at"] = datetime.combine(day, start, zone) if day and start else None
    out["ends_at"] = datetime.combine(day, end, zone) if day and start and end else None
    if out["ends_at"] is None and day and start:
        out["duration_minutes"] = None
    return out


def session_to_form(session) -> dict:
    from zoneinfo import ZoneInfo
    local = session.starts_at.astimezone(ZoneInfo(session.timezone))
    end = session.ends_at.astimezone(ZoneInfo(session.timezone))
    values = {k: getattr(session, k) or "" for k in ("title", "topic", "description", "timezone", "place",
                                                     "video_url", "capacity", "recording_url")}
    values.update(starts_on=local.date().isoformat(), start_time=local.strftime("%H:%M"),
                  end_time=end.strftime("%H:%M"), competencies=", ".join(session.competency_codes or []),
                  host_id=session.host_id, workshop_id=session.workshop_id or "",
                  group_ids=[str(g) for g in session.group_ids],
                  tiers=sorted({a.tier_code for a in session.audiences if a.tier_code}))
    if session.video_generated:
        values["video_url"] = ""
        values["generate_video"] = "y"
    return {k: ("" if v is None else v) for k, v in values.items()}


def time_or_none(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None
