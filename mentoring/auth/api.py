"""POST /api/v1/auth/token, DELETE it, GET /api/v1/me."""
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from mentoring.api.core import ErrorSchema, bearer_token, public
from mentoring.auth import services, throttle
from mentoring.auth.schemas import TokenRequestSchema, TokenSchema, UserSchema
from mentoring.auth.throttle import login_limits
from mentoring.errors import ServiceError
from mentoring.extensions import db

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1", description="Tokens and the current user")


class BadCredentials(ServiceError):
    status = 401
    code = "bad_credentials"


@blp.route("/auth/token", methods=["POST"])
@login_limits
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema=ErrorSchema, description="Wrong e-mail or password")
@blp.alt_response(422, schema=ErrorSchema, description="Missing fields")
@blp.alt_response(429, schema=ErrorSchema, description="Too many attempts")
@public
def create_token(body):
    user = services.authenticate(body["email"], body["password"])
    if user is None:
        throttle.failed()
        raise BadCredentials(_("E-mail or password is wrong."))
    raw, token = services.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema)
@login_required
def revoke_token():
    """Revoke the bearer token this request carries (log out a device)."""
    raw = bearer_token()
    if raw and services.revoke_token(raw):
        db.session.commit()
    return None


@blp.route("/me", methods=["GET"])
@blp.response(200, UserSchema)
@blp.alt_response(401, schema=ErrorSchema)
@login_required
def me():
    return current_user
