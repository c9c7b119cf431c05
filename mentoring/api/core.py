"""The JSON API's shared parts: the flask-smorest Api, the error format of
docs/api.md, paging, and token authentication."""
from flask import current_app, g, request
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from marshmallow import Schema, fields

from mentoring.bounds import Page, PerPage
from mentoring.extensions import csrf


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class Api(SmorestApi):
    """flask-smorest, with the project's error format. Errors are rendered by
    mentoring.errors_http for API and HTML alike, so smorest's app-wide
    handler (which would turn HTML 404 pages into JSON) is not installed."""
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def make_api(app) -> Api:
    """One Api (and OpenAPI document) per app: tests build several apps."""
    return Api(app)


class PageArgs(Schema):
    page = Page()
    per_page = PerPage()


def page_schema(item_schema, name: str) -> type[Schema]:
    """The list envelope of docs/api.md: {"items", "page", "per_page", "total",
    "total_exact"}. total_exact false: there are more than `total` items (a
    list that may hold a whole national table counts only so far)."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
        "total": fields.Integer(),
        "total_exact": fields.Boolean(dump_default=True),
    }, name=name)


def page_body(page) -> dict:
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "total_exact": getattr(page, "total_exact", True)}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def public(view):
    """An API route anyone may call without logging in (the token route, a
    certificate's public check); every other route refuses them with 401."""
    view.api_public = True
    return view


def register_api_blueprint(app, api: Api, blp) -> None:
    """Every API blueprint: token or session auth, CSRF only for cookie callers."""
    csrf.exempt(blp)
    if not getattr(blp, "_mentoring_auth_installed", False):
        blp.before_request(_authenticate)
        blp._mentoring_auth_installed = True
    api.register_blueprint(blp)


def _settle_locale() -> None:
    """The caller's language, read while their account is fresh: a write
    route commits before its answer is serialized (labels in the caller's
    language), and the commit expires the account, so asking then cost
    reloading it (issue 12: POST /api/v1/cases)."""
    from flask_babel import get_locale
    get_locale()


def _authenticate():
    raw = bearer_token()
    if raw:
        # An explicit token wins over any cookie, and a bad one is an error,
        # not a silent fall-back to whoever is logged in in this browser.
        from mentoring.auth.services import user_for_token
        user = user_for_token(raw)
        if user is None:
            from mentoring.errors_http import error_response
            from flask_babel import gettext as _
            return error_response(401, "invalid_token", _("The token is invalid, expired or revoked."))
        g._login_user = user
        _settle_locale()
        return None
    # The login is checked before the body is parsed, so a caller who is not
    # logged in hears 401 whatever they sent (not a 422 about their fields).
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is not None and not getattr(view, "api_public", False) and not current_user.is_authenticated:
        from mentoring.errors_http import error_response
        return error_response(401)
    # A bearer token cannot be sent by a forged cross-site form; a cookie can.
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not bearer_token() \
            and current_user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    if current_user.is_authenticated:
        _settle_locale()
