"""Bounds on numbers that come from outside (URLs, query strings, JSON,
socket events). An id or a page beyond them is "not found" or a 422, never
an integer overflow in the database (a 500)."""
from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

from mentoring.errors import ValidationFailed

MAX_ID = 2 ** 31 - 1   # PostgreSQL `integer` primary keys
MAX_PAGE = 100_000     # far beyond any real list; keeps OFFSET in range

_INVALID = _l("Not a valid value.")


class IdConverter(IntegerConverter):
    """<int:...> in routes: a number beyond MAX_ID matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def Id(**kwargs) -> fields.Integer:
    """An incoming id: a positive integer the database can hold."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error=_INVALID), **kwargs)


def Page(**kwargs) -> fields.Integer:
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE, error=_INVALID),
                          **kwargs)


def PerPage(default: int = 25, most: int = 100, **kwargs) -> fields.Integer:
    return fields.Integer(load_default=default, validate=validate.Range(min=1, max=most, error=_INVALID),
                          **kwargs)


def page_bounds(page, per_page, default: int = 25, most: int = 100) -> tuple[int, int]:
    """For doors that read ?page= themselves (HTML lists): out of range is clamped."""
    page = max(1, min(MAX_PAGE, int(page or 1)))
    return page, max(1, min(most, int(per_page or default)))


def _field_with_nul(value, path: str) -> str | None:
    """The first field (dotted path; a list's items count as the list) whose
    text holds a NUL character, or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        items = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((path, item) for item in value)
    else:
        return None
    return next((found for sub_path, item in items if (found := _field_with_nul(item, sub_path))), None)


def refuse_nul(value) -> None:
    """PostgreSQL cannot store NUL in text, and no person types one: refuse it
    at the door (422 on the field) instead of failing inside the database."""
    found = _field_with_nul(value, "")
    if found:
        raise ValidationFailed(_INVALID, {found: [_INVALID]})


def refuse_nul_in_request() -> None:
    """before_request: query, form and JSON of every HTTP door."""
    refuse_nul(request.args.to_dict(flat=False))
    refuse_nul(request.form.to_dict(flat=False))
    if request.is_json:
        refuse_nul(request.get_json(silent=True))


def id_arg(value) -> int:
    """type= for request.args/form.get: an id the database can hold, else the
    default (werkzeug treats the ValueError as "absent")."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number
