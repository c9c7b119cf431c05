"""The login limit, shared by the login form and the token route.

Only failures count (the doors call `failed()`): a nurse who types her
password right is never counted. Failures are keyed per account and
address, so a colleague mistyping behind the same station router, or an
attacker hammering one account, locks only that account from that address;
a looser ceiling per address stops one address from trying many accounts.
The address is the client's as nginx saw it only when the app is told how
many proxies stand in front (MENTORING_TRUSTED_PROXIES, werkzeug's ProxyFix
in create_app); otherwise X-Forwarded-For is ignored, as anyone can send it.

Once a bucket is full every attempt on it is refused, the right password
too: answering a right password but not a wrong one would tell the attacker
which guess was right."""
import hashlib
import math
import time

from flask import current_app, g, render_template, request
from flask_babel import format_time
from flask_babel import gettext as _

from mentoring import clock
from mentoring.extensions import limiter

SCOPE_ACCOUNT = "login:account"
SCOPE_ADDRESS = "login:address"


def failed() -> None:
    """The door saw wrong credentials: count this attempt."""
    g.login_failed = True


def _counted(_response) -> bool:
    return bool(g.get("login_failed"))


def _address() -> str:
    return request.remote_addr or "unknown"


def _submitted_email() -> str:
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            raw = body.get("email") if isinstance(body, dict) else None
        else:
            raw = request.form.get("email")
    except Exception:  # a body that cannot be read is refused by the door itself
        raw = None
    return raw.strip().lower() if isinstance(raw, str) else ""


def _account_and_address() -> str:
    # Hashed: the key stays short whatever was typed, and no e-mail sits in Redis.
    digest = hashlib.sha256(_submitted_email().encode("utf-8", "replace")).hexdigest()[:24]
    return f"{digest}@{_address()}"


def _breached(limit) -> object:
    """The answer once a bucket is full: the form again (e-mail kept), or
    the API's error, each saying when to try again."""
    from mentoring.errors_http import error_response, wants_json
    from mentoring.forms import FormResult
    seconds = max(1, math.ceil(limit.reset_at - time.time()))
    minutes = max(1, math.ceil(seconds / 60))
    at = format_time(clock.now() + _seconds(seconds), format="short")
    message = _("Too many failed attempts. Try again in %(minutes)d minutes (at %(time)s).",
                minutes=minutes, time=at)
    headers = {"Retry-After": str(seconds)}
    if wants_json():
        return error_response(429, "rate_limited", message, headers=headers)
    form = FormResult({"email": _submitted_email_as_typed(), "next": request.form.get("next", "")})
    form.errors["password"] = [message]
    return current_app.make_response((render_template("auth/login.html", form=form), 429, headers))


def _submitted_email_as_typed() -> str:
    raw = request.form.get("email", "")
    return raw[:254] if isinstance(raw, str) else ""


def _seconds(n: int):
    from datetime import timedelta
    return timedelta(seconds=n)


def login_limits(fn):
    """Both buckets on a login door; the same buckets on every door."""
    per_account = limiter.shared_limit(
        lambda: current_app.config["MENTORING_LOGIN_RATE_LIMIT"], scope=SCOPE_ACCOUNT,
        key_func=_account_and_address, methods=["POST"], deduct_when=_counted, on_breach=_breached)
    per_address = limiter.shared_limit(
        lambda: current_app.config["MENTORING_LOGIN_ADDRESS_RATE_LIMIT"], scope=SCOPE_ADDRESS,
        key_func=_address, methods=["POST"], deduct_when=_counted, on_breach=_breached)
    return per_account(per_address(fn))
