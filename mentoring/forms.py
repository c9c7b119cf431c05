"""HTML forms validated by the same marshmallow schemas as the API.

A form that fails comes back with what was typed and a message per field,
whether the schema (shape) or a service (business rule) refused it."""
from marshmallow import EXCLUDE, ValidationError


class FormResult:
    def __init__(self, values: dict, data: dict | None = None, errors: dict | None = None,
                 partial: dict | None = None):
        self.values = values      # what the user typed, to re-fill the form
        self.data = data or {}    # cleaned data, when valid
        self.errors = errors or {}
        # When invalid: the fields that did load, so a door can check the rest
        # with its service and show every field's message at once.
        self.partial = partial or {}

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_form(schema, formdata, *, checkboxes: tuple[str, ...] = ()) -> FormResult:
    values = {k: v for k, v in formdata.items() if k != "csrf_token"}
    raw = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    raw = {k: v for k, v in raw.items() if v != ""}  # an empty input means "not given"
    for name in checkboxes:
        raw[name] = name in formdata
    try:
        data = schema.load(raw, unknown=EXCLUDE)
    except ValidationError as err:
        return FormResult(values, errors=_flat(err.messages),
                          partial=err.valid_data if isinstance(err.valid_data, dict) else {})
    return FormResult(values, data=data)


def _flat(messages) -> dict:
    out = {}
    for name, msgs in (messages.items() if isinstance(messages, dict) else []):
        if isinstance(msgs, dict):
            msgs = [m for sub in msgs.values() for m in (sub if isinstance(sub, list) else [sub])]
        out[name] = [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
    return out
