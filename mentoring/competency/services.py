"""The competency domain's public functions, one import for every door.
The rules live in the sub-modules by concern (frameworks, assessments,
ledger, courses, programmes, certificates, readiness, dashboard); this
module re-exports them and holds the small summaries other domains call
(CONTRACTS.md: known_competency_codes, competency_choices, hours_summary,
coordinator_alerts)."""
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.competency import certificates, courses, ledger, programmes, readiness
from mentoring.competency.assessments import assess, level_name, standings, timeline  # noqa: F401
from mentoring.competency.certificates import (current_certificate, get_by_code, issue_due_certificates,  # noqa: F401
                                               issue_if_met, reissue_decision, revoke_certificate,
                                               send_renewal_warnings)
from mentoring.competency.courses import decide_course, get_course, submit_course  # noqa: F401
from mentoring.competency.frameworks import (competency_choices, import_framework, known_competency_codes,  # noqa: F401
                                             localized)
from mentoring.competency.ledger import resync_everyone, resync_users  # noqa: F401
from mentoring.competency.programmes import default_programme, evaluate, programmes_for  # noqa: F401
from mentoring.errors import NotFound
from mentoring.extensions import db

__all__ = ["known_competency_codes", "competency_choices", "hours_summary", "coordinator_alerts",
           "assess", "submit_course", "decide_course", "issue_if_met", "revoke_certificate",
           "reissue_decision", "resync_users", "resync_everyone", "worker_progress", "get_worker",
           "certificate_status"]


def hours_summary(user) -> dict:
    """{"this_year", "window", "required"} for the user's default programme (home page)."""
    programme = default_programme()
    zone = ZoneInfo(getattr(user, "timezone", None) or "Asia/Ho_Chi_Minh")
    local_now = clock.now().astimezone(zone)
    year_start = datetime.combine(local_now.date().replace(month=1, day=1), time(0), zone).astimezone(timezone.utc)
    this_year = sum(h for h, _ in ledger.hours_by_kind(user.id, year_start).values())
    if programme is None:
        return {"this_year": round(this_year, 2), "window": round(this_year, 2), "required": None}
    by_kind = ledger.hours_by_kind(user.id, programmes.window_start(programme))
    caps = ((programme.requirements or {}).get("hours") or {}).get("caps") or {}
    counted, _rows = programmes.counted_hours(by_kind, caps)
    required = ((programme.requirements or {}).get("hours") or {}).get("required")
    return {"this_year": round(this_year, 2), "window": counted,
            "required": float(required) if required is not None else None}


def coordinator_alerts() -> dict:
    """{"facilities_at_risk", "certificates_expiring"}: go-live within 30 days
    and not ready; certificates expiring within 60 days."""
    return {"facilities_at_risk": readiness.facilities_at_risk(),
            "certificates_expiring": certificates.expiring_count(certificates.RENEWAL_WARNING_DAYS)}


def get_worker(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such health worker."))
    return user


@dataclass
class WorkerProgress:
    """Everything a progress page or GET /workers/<id>/progress shows."""
    user: User
    programmes: list = field(default_factory=list)       # [programmes.Progress]
    hours: dict = field(default_factory=dict)             # hours_summary
    standings: list = field(default_factory=list)         # [(framework, [Standing])]
    timeline: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    courses: list = field(default_factory=list)
    credits: list = field(default_factory=list)


def worker_progress(user: User) -> WorkerProgress:
    from mentoring.competency.frameworks import frameworks
    from mentoring.competency.models import Competency
    result = WorkerProgress(user=user)
    result.programmes = [evaluate(user, p) for p in programmes_for(user)]
    result.hours = hours_summary(user)
    comps = db.session.execute(select(Competency).order_by(Competency.framework_id, Competency.position,
                                                           Competency.id)).unique().scalars().all()
    mine = [c for c in comps if not user.tier_code or user.tier_code in (c.tiers or [])]
    by_id = {s.competency.id: s for s in standings(user.id, mine)}
    result.standings = [(fw, [by_id[c.id] for c in mine if c.framework_id == fw.id]) for fw in frameworks()]
    result.timeline = timeline(user.id)
    result.certificates = certificates.certificates_of(user.id)
    result.courses = courses.courses_of(user.id)
    result.credits = ledger.credits_of(user.id, limit=100)
    return result


def certificate_status(cert) -> str:
    return cert.status_on(clock.now().date())
