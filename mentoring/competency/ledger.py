"""The training-hours ledger. A credit is never typed in: it is derived from
its source, and derived again whenever the source changes, so a corrected
attendance corrects (or removes) the credit and nothing counts twice
(unique key: source kind, source id, person).

Sources:
- session: a held teaching session the person attended (minutes attended at
  least the configured share of its duration): the session's duration;
- presentation: presenting an agenda item at a held session;
- case_answer: answering a case consultation somebody else asked;
- outside_course: a course taken elsewhere, approved by a coordinator.
Hours per presentation and case answer come from MENTORING_CREDIT_HOURS.

The sessions domain may be absent (it is built in parallel): its sources then
yield nothing, and credits of that kind are left as they are."""
import importlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select

from mentoring import clock, signals
from mentoring.competency.models import OutsideCourse, TrainingCredit
from mentoring.errors import ValidationFailed
from mentoring.extensions import db

DEFAULT_CREDIT_HOURS = {"case_answer": 0.5, "presentation": 1.0}
ALL_TIME = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
MAX_HOURS_A_DAY = 24
CHUNK = 500


@dataclass(frozen=True)
class Wanted:
    hours: float
    earned_at: datetime
    title: str


def credit_hours(kind: str) -> float:
    configured = current_app.config.get("MENTORING_CREDIT_HOURS") or {}
    return float(configured.get(kind, DEFAULT_CREDIT_HOURS[kind]))


def sessions_source():
    """mentoring.sessions.services when that domain is installed, else None."""
    try:
        return importlib.import_module("mentoring.sessions.services")
    except ModuleNotFoundError as err:
        if err.name in ("mentoring.sessions", "mentoring.sessions.services"):
            return None
        raise


def check_hours(hours, started_on, ended_on) -> str | None:
    """Why these hours cannot be credited for that period, or None."""
    if hours is None or hours <= 0:
        return _("Enter the hours, more than 0.")
    days = (ended_on - started_on).days + 1 if started_on and ended_on else 1
    if hours > MAX_HOURS_A_DAY * max(days, 1):
        return _("At most 24 hours a day: %(days)d day(s) allow at most %(most)d hours.",
                 days=max(days, 1), most=MAX_HOURS_A_DAY * max(days, 1))
    return None


# --- what each source says -------------------------------------------------

def _wanted_sessions(user_ids, since, until):
    source = sessions_source()
    if source is None:
        return None
    out = {}
    for row in source.attended_sessions(user_ids, since, until):
        if row.attended and row.duration_minutes > 0:
            hours = min(row.duration_minutes / 60, MAX_HOURS_A_DAY)
            out[("session", row.session_id, row.user_id)] = Wanted(round(hours, 2), row.starts_at, row.title[:300])
    return out


def _wanted_presentations(user_ids, since, until):
    source = sessions_source()
    if source is None:
        return None
    hours = credit_hours("presentation")
    return {("presentation", p.agenda_item_id, p.user_id): Wanted(hours, p.starts_at, p.title[:300])
            for p in source.presentations(user_ids, since, until)}


def _wanted_case_answers(user_ids, since, until):
    from mentoring.cases.models import Case, CaseReply
    first = func.min(CaseReply.created_at)
    stmt = (select(CaseReply.case_id, CaseReply.author_id, first)
            .join(Case, Case.id == CaseReply.case_id)
            .where(CaseReply.author_id != Case.asker_id)
            .group_by(CaseReply.case_id, CaseReply.author_id)
            .having(first >= since, first < until))
    if user_ids is not None:
        stmt = stmt.where(CaseReply.author_id.in_(user_ids))
    hours = credit_hours("case_answer")
    return {("case_answer", case_id, author_id): Wanted(hours, at, f"#{case_id}")
            for case_id, author_id, at in db.session.execute(stmt).all()}


def course_earned_at(course: OutsideCourse) -> datetime:
    return datetime.combine(course.ended_on, time(0), timezone.utc)


def _wanted_courses(user_ids, since, until):
    stmt = select(OutsideCourse).where(OutsideCourse.status == "approved",
                                       OutsideCourse.ended_on >= since.date(),
                                       OutsideCourse.ended_on < until.date())
    if user_ids is not None:
        stmt = stmt.where(OutsideCourse.user_id.in_(user_ids))
    return {("outside_course", c.id, c.user_id): Wanted(c.hours, course_earned_at(c), c.title)
            for c in db.session.execute(stmt).unique().scalars()}


SOURCES = {"session": _wanted_sessions, "presentation": _wanted_presentations,
           "case_answer": _wanted_case_answers, "outside_course": _wanted_courses}


# --- keeping the ledger equal to its sources -----------------------------------

def sync(kind: str, user_ids, since: datetime, until: datetime) -> set[int]:
    """Make the credits of `kind` for these people (None: everyone) earned in
    [since, until) equal to what the source says. Returns whose credits changed."""
    wanted = SOURCES[kind](user_ids, since, until)
    if wanted is None:
        return set()  # the source is not installed: leave its credits alone
    in_range = and_(TrainingCredit.earned_at >= since, TrainingCredit.earned_at < until)
    source_ids = sorted({source_id for _, source_id, _ in wanted})
    stmt = select(TrainingCredit).where(TrainingCredit.source_kind == kind,
                                        or_(in_range, TrainingCredit.source_id.in_(source_ids)))
    if user_ids is not None:
        stmt = stmt.where(TrainingCredit.user_id.in_(user_ids))
    existing = {(c.source_kind, c.source_id, c.user_id): c for c in db.session.execute(stmt).scalars()}
    changed: set[int] = set()
    now = clock.now()
    for key, want in wanted.items():
        row = existing.pop(key, None)
        if row is None:
            db.session.add(TrainingCredit(source_kind=kind, source_id=key[1], user_id=key[2], hours=want.hours,
                                          earned_at=want.earned_at, title=want.title, created_at=now,
                                          updated_at=now))
            changed.add(key[2])
        elif (row.hours, row.earned_at, row.title) != (want.hours, want.earned_at, want.title):
            row.hours, row.earned_at, row.title, row.updated_at = want.hours, want.earned_at, want.title, now
            changed.add(key[2])
    stale = [c for c in existing.values() if since <= c.earned_at < until]
    if stale:
        db.session.execute(delete(TrainingCredit).where(TrainingCredit.id.in_([c.id for c in stale])))
        changed.update(c.user_id for c in stale)
    db.session.flush()
    return changed


def resync_users(user_ids, kinds=tuple(SOURCES), *, since=None, until=None, certify: bool = True) -> set[int]:
    """Derive these people's credits again (every kind by default) and issue
    any certificate whose requirements are now met."""
    user_ids = sorted({int(u) for u in user_ids or []})
    if not user_ids:
        return set()
    since, until = since or ALL_TIME[0], until or ALL_TIME[1]
    changed: set[int] = set()
    for kind in kinds:
        changed |= sync(kind, user_ids, since, until)
    if certify and changed:
        from mentoring.competency.certificates import issue_if_met
        issue_if_met(sorted(changed))
    return changed


def resync_everyone(window_days: int = 6 * 366) -> int:
    """The nightly run: everyone's credits of the last `window_days`, in
    chunks of people so memory stays flat. Idempotent."""
    from mentoring.auth.models import User
    now = clock.now()
    since, until = now - timedelta(days=window_days), now + timedelta(days=1)
    ids = db.session.execute(select(User.id).where(User.role == "worker", User.active.is_(True))
                             .order_by(User.id)).scalars().all()
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += len(resync_users(ids[start:start + CHUNK], since=since, until=until, certify=False))
    return changed


# --- signals from other domains ------------------------------------------------

@signals.attendance_changed.connect
def _on_attendance_changed(session_id, user_ids=(), **_kw):
    resync_users(user_ids, ("session",))


@signals.presentation_changed.connect
def _on_presentation_changed(session_id, user_ids=(), **_kw):
    resync_users(user_ids, ("presentation",))


@signals.case_answered.connect
def _on_case_answered(case_id, user_id=None, **_kw):
    if user_id is not None:
        resync_users([user_id], ("case_answer",))


# --- reading ------------------------------------------------------------------

def hours_by_kind(user_id: int, since: datetime, until: datetime | None = None) -> dict[str, tuple[float, int]]:
    """{kind: (hours, number of credits)} earned in [since, until)."""
    stmt = (select(TrainingCredit.source_kind, func.sum(TrainingCredit.hours), func.count())
            .where(TrainingCredit.user_id == user_id, TrainingCredit.earned_at >= since)
            .group_by(TrainingCredit.source_kind))
    if until is not None:
        stmt = stmt.where(TrainingCredit.earned_at < until)
    return {kind: (float(hours or 0), n) for kind, hours, n in db.session.execute(stmt).all()}


def credits_of(user_id: int, limit: int = 200) -> list[TrainingCredit]:
    return list(db.session.execute(select(TrainingCredit).where(TrainingCredit.user_id == user_id)
                                   .order_by(TrainingCredit.earned_at.desc(), TrainingCredit.id.desc())
                                   .limit(limit)).scalars())


def require_hours(hours, started_on, ended_on, field: str = "hours") -> None:
    problem = check_hours(hours, started_on, ended_on)
    if problem:
        raise ValidationFailed(problem, fields={field: problem})
