"""Errors that services raise and every door knows how to show.

A service never returns half a result: it raises one of these before it has
flushed anything the door would commit, and the door rolls back."""


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        # {field name: [messages]}: what a form shows beside each input.
        self.fields = {k: [str(m) for m in (v if isinstance(v, (list, tuple)) else [v])]
                       for k, v in (fields or {}).items()}


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
