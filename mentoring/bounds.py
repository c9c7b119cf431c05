"""Bounds on what comes from outside (URLs, query strings, forms, JSON,
socket events). An id or a page beyond them is "not found" or a 422, never
an integer overflow in the database (a 500); a body that is not JSON, or
nested too deep to parse, is a 400; a character no database or e-mail can
store (NUL, a lone UTF-16 surrogate) is a 422 on its field."""
import json
import re

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from werkzeug.exceptions import BadRequest
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


# NUL: PostgreSQL cannot store it in text. A lone surrogate ("\\ud800" in
# JSON) is no character at all: encoding it for the database, a log line or
# an e-mail raises UnicodeEncodeError. Nobody types either.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# No field a person fills in is longer (the longest, a case's history or a
# reply, is 8,000). Checked at the door, before any schema, rule or pattern
# looks at the text, so no field can make a request do more than this much work.
MAX_FIELD_CHARS = 10_000
# JSON nested deeper than this is no document of this API.
MAX_DEPTH = 32
_TOO_LONG = _l("At most {max} characters.")
_TOO_DEEP = _l("Nested too deeply.")


def _problem(text: str, most: int):
    if len(text) > most:
        return _TOO_LONG.format(max=most)
    if _UNSTORABLE.search(text) is not None:
        return _INVALID
    return None


def bad_field(value, most: int = MAX_FIELD_CHARS) -> tuple[str, str] | None:
    """The first field (dotted path; a list's items count as the list) whose
    text (or key) is too long or holds a character no database stores, with
    the message; or None. Walks with its own stack: no recursion to exhaust."""
    stack = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if message := _problem(item, most):
                return path or "body", message
            continue
        if depth > MAX_DEPTH and isinstance(item, (dict, list, tuple)):
            return path or "body", _TOO_DEEP
        if isinstance(item, dict):
            children = []
            for key, sub in item.items():
                key = str(key)
                if message := _problem(key, 200):
                    return path or "body", message
                children.append((sub, f"{path}.{key}" if path else key, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(item, (list, tuple)):
            stack.extend((sub, path, depth + 1) for sub in reversed(item))
    return None


def refuse_bad_text(value, most: int = MAX_FIELD_CHARS) -> None:
    """Refuse an over-long text, NUL and lone surrogates at the door (422 on
    the field) instead of working on it or failing inside the database."""
    found = bad_field(value, most)
    if found:
        path, message = found
        raise ValidationFailed(message, {path: [message]})


refuse_nul = refuse_bad_text   # the socket door's older name


# The body of any request that carries no file: the longest form (a case,
# four long texts in Vietnamese, each character up to nine bytes
# percent-encoded) stays well under it.
MAX_BODY = 512 * 1024


def accepts_upload(view):
    """Mark a view that takes a file: its body may reach MAX_CONTENT_LENGTH.
    Every other request is cut off at MENTORING_MAX_BODY before it is read.
    Innermost decorator: functools.wraps carries the mark outwards."""
    view.accepts_upload = True
    return view


def limit_body() -> None:
    """before_request, first of all (before CSRF reads the form): a 1 MB
    complaint is a 413 before a byte of it is parsed."""
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "accepts_upload", False):
        request.max_content_length = min(current_app.config.get("MENTORING_MAX_BODY", MAX_BODY),
                                         current_app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY)


class MalformedJson(BadRequest):
    """A JSON body that does not parse: 400 in the error format, whatever
    parses it later (webargs reads the body again with its own json.loads)."""


def parsed_json():
    """The request's JSON body, parsed once here. The C parser recurses per
    "[" and raises RecursionError (not a ValueError) on deep nesting, which
    neither Flask nor webargs turn into a 400."""
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as err:
        raise MalformedJson() from err


def refuse_nul_in_request() -> None:
    """before_request: query, form and JSON of every HTTP door."""
    refuse_bad_text(request.args.to_dict(flat=False))
    refuse_bad_text(request.form.to_dict(flat=False))
    if request.is_json:
        refuse_bad_text(parsed_json())


def local_path(target: str | None) -> str | None:
    """A `next` that is a path on this site, or None. A control character
    (CR/LF cannot go in a Location header: a ValueError, so a 500) or a
    backslash (browsers read "/\\host" as "//host") makes it no local path."""
    from urllib.parse import urlsplit
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if not target.isprintable() or "\\" in target or urlsplit(target).netloc:
        return None
    return target


def id_arg(value) -> int:
    """type= for request.args/form.get: an id the database can hold, else the
    default (werkzeug treats the ValueError as "absent")."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number
