"""Home: each role lands on what it needs first."""
import logging

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.errors_http import RETRY_AFTER
from mentoring.extensions import db
from mentoring.org import services as org_services
from mentoring.org.models import MentoringGroup

log = logging.getLogger(__name__)
bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    stats, groups = None, []
    if policy.allowed(current_user, "group.overview"):
        # Staff oversee every group: counts here, the list on the overview page.
        comps = org_services.compositions()
        stats = {
            "groups": db.session.execute(select(func.count()).select_from(MentoringGroup)).scalar(),
            "incomplete": None,
            "users": db.session.execute(select(func.count()).select_from(User)
                                        .where(User.active.is_(True))).scalar(),
        }
        stats["incomplete"] = stats["groups"] - sum(1 for c in comps.values() if c.complete)
    else:
        stmt = policy.scope_groups(current_user, select(MentoringGroup))
        mine = org_services.groups_page(stmt, 1, 50).items
        comps = org_services.compositions([g.id for g in mine])
        groups = [(g, comps[g.id]) for g in mine if g.id in comps]
    return render_template("home.html", groups=groups, stats=stats)


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
