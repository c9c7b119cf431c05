"""Turn errors into responses: JSON in the format of API.md under /api/,
an HTML page elsewhere. Never a bare 500 for bad input."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from mentoring.errors import ServiceError
from mentoring.extensions import db

log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large",
          415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
          500: "server_error", 503: "unavailable"}
# Seconds a client should wait before trying again when the database is away.
RETRY_AFTER = 30


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _messages(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with existing data."),
        413: _("The upload is too large."),
        415: _("This type of file is not accepted."),
        422: _("Please correct the marked fields."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Your data was not changed."),
        503: _("The service is briefly unavailable. Please try again in a minute."),
    }.get(status, _("The request could not be completed."))


def error_response(status: int, code: str | None = None, message: str | None = None,
                   fields: dict | None = None, headers: dict | None = None):
    message = message or _messages(status)
    if wants_json():
        body = {"error": {"code": code or _CODES.get(status, "error"), "message": message,
                          "fields": fields or {}}}
        response = jsonify(body)
        response.status_code = status
    else:
        response = render_template("errors/error.html", status=status, message=message), status
    if headers:
        if isinstance(response, tuple):
            return response[0], status, headers
        response.headers.update(headers)
    return response


def _flatten_webargs(messages) -> dict:
    """webargs reports {"json": {"field": [...]}}; clients want {"field": [...]}."""
    flat = {}
    if isinstance(messages, dict):
        for location, errs in messages.items():
            if isinstance(errs, dict):
                for name, msgs in errs.items():
                    flat[name] = msgs if isinstance(msgs, list) else [str(msgs)]
            else:
                flat[location] = errs if isinstance(errs, list) else [str(errs)]
    return flat


def register(app) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError):
        db.session.rollback()
        return error_response(err.status, err.code, err.message or None, err.fields)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        data = getattr(err, "data", None) or {}
        fields = _flatten_webargs(data.get("messages") or data.get("errors") or {})
        status = err.code or 500
        embedded = getattr(err, "response", None)
        if status == 429 and embedded is not None:
            return embedded  # a door's own answer (the login form kept, saying when to retry)
        # A schema may check its domain's rules on the fields that did parse,
        # so a client gets every field's message in one answer.
        more, exc = getattr(data.get("schema"), "rule_errors", None), getattr(err, "exc", None)
        if status == 422 and more is not None and isinstance(getattr(exc, "valid_data", None), dict):
            for name, message in more(exc.valid_data).items():
                fields.setdefault(name, message if isinstance(message, list) else [str(message)])
        message = None
        if status == 400 and getattr(err, "description", "").startswith("The CSRF"):
            message = _("Your form expired. Please try again.")
        headers = dict(err.get_response().headers) if status in (405, 429) else None
        if headers:
            headers.pop("Content-Type", None)
            headers.pop("Content-Length", None)
        return error_response(status, None, message, fields, headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_away(err):
        # The database is unreachable (or, on SQLite, locked past the busy
        # timeout): nothing was changed and trying again later will do.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, err.orig or err)
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool discards it
            log.debug("rollback after a lost connection failed", exc_info=True)
        # The page is drawn as for a visitor: loading the signed-in user (and
        # the bell's count) would ask the absent database again, and an error
        # inside this handler would be a bare 500.
        from flask import g
        from flask_login import AnonymousUserMixin
        g._login_user = AnonymousUserMixin()
        return error_response(503, headers={"Retry-After": str(RETRY_AFTER)})

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if app.testing and not app.config.get("MENTORING_TEST_RENDER_500"):
            raise err  # let the test see the traceback
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500)
