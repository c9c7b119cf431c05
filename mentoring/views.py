"""Home: each role lands on what it needs first."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.org import services as org_services
from mentoring.org.models import MentoringGroup

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    stats, groups = None, []
    if policy.allowed(current_user, "group.overview"):
        # Staff oversee every group: counts here, the list on the overview page.
        comps = org_services.compositions(load_mentors=False)
        stats = {
            "groups": db.session.execute(select(func.count()).select_from(MentoringGroup)).scalar(),
            "incomplete": None,
            "users": db.session.execute(select(func.count()).select_from(User)
                                        .where(User.active.is_(True))).scalar(),
        }
        stats["incomplete"] = stats["groups"] - sum(1 for c in comps.values() if c.complete)
    else:
        # A worker's home shows each group's name and mentor: two queries, not
        # every member's account and the per-tier counts (issue 12's profile).
        groups = org_services.groups_with_mentor_names(
            policy.scope_groups(current_user, select(MentoringGroup.id, MentoringGroup.name)), limit=50)
    return render_template("home.html", groups=groups, stats=stats)


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
