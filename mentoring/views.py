"""Home (each role lands on what it needs first), the web app manifest and
the service worker that lets the app open with no signal; /healthz."""
import hashlib
import json
import logging

from flask import Blueprint, current_app, g, render_template, url_for
from flask_babel import format_timedelta, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mentoring import clock, home as home_data
from mentoring.errors_http import RETRY_AFTER
from mentoring.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("main", __name__)

# What the service worker keeps from the first visit on, so the app opens
# with no signal: the stylesheets, the icon sprite, the logo, the scripts
# every page runs and the offline page.
SHELL_STATIC = ("vendor/theme.css", "css/app.css", "css/cases.css", "vendor/icons.svg", "logo.svg",
                "favicon.svg", "js/app.js", "js/cases.js", "js/chat.js",
                "vendor/socket.io/socket.io.min.js", "icons/icon-192.png")


@bp.route("/")
@login_required
def home():
    data = home_data.for_user(current_user)
    if data.waiting_counted:
        g.inbox_count = data.waiting_total  # the navigation's badge counts the same cases: no second count
    return render_template("home.html", home=data, now=clock.now(), time_left=time_left)


def time_left(due_at, now) -> str:
    """"in 3 hours" / "50 minutes ago", in the reader's language."""
    if due_at is None:
        return ""
    return format_timedelta(due_at - now, add_direction=True)


@bp.route("/manifest.webmanifest")
def manifest():
    doc = {
        "name": _("Tele-mentoring 1-4-4-2"),
        "short_name": _("1-4-4-2"),
        "description": _("Case questions, chat and teaching sessions for commune health workers."),
        "lang": "vi",
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f9f8",
        "theme_color": "#0f766e",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
            {"src": url_for("static", filename="logo.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = current_app.response_class(json.dumps(doc, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    """Served from the root so it may look after every page. Its text names
    the hashed static files, so a deploy that changes one changes the worker
    and the phone fetches the new files once."""
    shell = [url_for("static", filename=name) for name in SHELL_STATIC]
    offline = url_for("main.offline")
    version = hashlib.sha256("\n".join(shell + [offline]).encode()).hexdigest()[:12]
    body = render_template("sw.js", shell=shell, offline=offline, version=version)
    response = current_app.response_class(body, mimetype="text/javascript")
    # Browsers revalidate a worker at most daily anyway; no-cache makes every
    # check reach us, so a fix ships on the next visit.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
def offline():
    """What the service worker shows for a page it never kept, with no signal."""
    return render_template("offline.html")


@bp.route("/healthz")
def healthz():
    """Each dependency ok or down; 503 (with Retry-After) while any is down,
    so a load balancer or a monitor knows which one to look at."""
    checks = {"database": _database_up()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_up(current_app.config["REDIS_URL"])
    down = sorted(name for name, up in checks.items() if not up)
    body = {"status": "unavailable" if down else "ok", "down": down,
            "checks": {name: "ok" if up else "down" for name, up in checks.items()}}
    if down:
        return body, 503, {"Retry-After": str(RETRY_AFTER)}
    return body


def _database_up() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        log.warning("healthz: database down", exc_info=True)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        return False


def _redis_up(url: str) -> bool:
    import redis
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        log.warning("healthz: redis down", exc_info=True)
        return False
