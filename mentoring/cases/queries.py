"""The read side of cases: one case with what its page shows, the inbox,
search, the teaching library and the audit trail (reports: cases.reports).
Every list goes through policy.scope_cases and runs a fixed number of
queries, whatever the number of cases (tests/cases count them)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case as sql_case, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.cases import icd
from mentoring.cases.models import (Case, CaseAttachment, CaseDiagnosis, CaseEvent, CaseReply,
                                    TeachingNomination)
from mentoring.errors import NotFound
from mentoring.extensions import db
from mentoring.org.models import Facility, GroupMembership
from mentoring.org.services import Page
from mentoring.org.services import paginate as paginate_rows
from mentoring.search import ESCAPE, containing, starting_with

def _list_options(stmt):
    # selectin, not joined: a joined User drags in its own joined tier and
    # facility (and the facility its province and commune), a dozen joins.
    return stmt.options(selectinload(Case.asker), selectinload(Case.facility),
                        selectinload(Case.claimed_by), selectinload(Case.diagnoses))


def _row_options(stmt):
    """What a case row of an HTML list shows (cases/_row.html): the facility's
    name, the claimer's name, the diagnoses; not the asker, nor the accounts'
    and facilities' own joined tier, province and commune (issue 12's profile:
    the hot inbox built ~75 users, facilities, provinces and communes per page
    that it never showed)."""
    return stmt.options(
        selectinload(Case.facility).lazyload(Facility.province),
        selectinload(Case.facility).lazyload(Facility.commune),
        selectinload(Case.claimed_by).lazyload(User.tier),
        selectinload(Case.claimed_by).lazyload(User.facility),
        selectinload(Case.diagnoses))


def _by(relation):
    """A joined author (a User): the name, not the User's own joined tier and facility."""
    return (joinedload(relation).lazyload(User.tier), joinedload(relation).lazyload(User.facility))


def _case_options(stmt):
    """One case (its page, the API): the asker's, the claimer's and the
    facility's names joined in the case's own query, the diagnoses; not the
    accounts' and the facility's own joined tier, facility, province and
    commune (those come on first use, if a caller wants them)."""
    return stmt.options(
        *_by(Case.asker), *_by(Case.claimed_by),
        joinedload(Case.facility).lazyload(Facility.province), joinedload(Case.facility).lazyload(Facility.commune),
        selectinload(Case.diagnoses))


def paginate(stmt, page: int, per_page: int, *, capped: bool = False):
    """A page of cases with the relations lists show: a fixed number of
    queries whatever the number of cases. capped: see org.services.paginate."""
    return paginate_rows(_list_options(stmt), page, per_page, capped=capped)


def get_case(case_id: int, user=None) -> Case:
    """The case, or NotFound; with a user, NotFound also when they may not see it."""
    case = db.session.execute(_case_options(select(Case).where(Case.id == case_id))
                              ).unique().scalar_one_or_none()
    if case is None:
        raise NotFound(_("No such case."))
    if user is not None:
        policy.require(user, "case.view", case, hide=True)
    return case


def replies(case: Case) -> list[CaseReply]:
    return list(db.session.execute(select(CaseReply).where(CaseReply.case_id == case.id)
                                   .options(*_by(CaseReply.author))
                                   .order_by(CaseReply.created_at, CaseReply.id)).unique().scalars())


def thread(case: Case) -> list[tuple[CaseReply, int]]:
    """Replies in reading order with their depth (a reply under its parent)."""
    items = replies(case)
    children: dict = {}
    for r in items:
        children.setdefault(r.parent_id, []).append(r)
    out: list = []

    def walk(parent, depth):
        for r in children.get(parent, []):
            out.append((r, min(depth, 3)))
            walk(r.id, depth + 1)
    walk(None, 0)
    return out


def attachments(case: Case) -> list[CaseAttachment]:
    return list(db.session.execute(select(CaseAttachment).where(CaseAttachment.case_id == case.id)
                                   .order_by(CaseAttachment.id)).scalars())


def nomination(case: Case) -> TeachingNomination | None:
    return db.session.execute(select(TeachingNomination).where(TeachingNomination.case_id == case.id)
                              .options(*_by(TeachingNomination.nominated_by))).unique().scalar_one_or_none()


# --- inbox ------------------------------------------------------------------

def _waiting_for(user):
    """Open cases waiting at the user's tier in one of their groups."""
    return select(Case).join(GroupMembership, and_(
        GroupMembership.group_id == Case.group_id,
        GroupMembership.tier_code == Case.current_tier_code,
        GroupMembership.user_id == user.id, GroupMembership.left_on.is_(None))
    ).where(Case.status == "open")


def _task_options(stmt, askers: bool = False):
    """What a case task on the home page shows (home.html case_task): its
    number, complaint, urgency, state and deadline; with askers, the asker's
    and the facility's names. Not the whole case, its diagnoses, its claimer."""
    stmt = stmt.options(load_only(Case.id, Case.complaint, Case.urgency, Case.status, Case.recommended_at,
                                  Case.due_at, Case.asker_id, Case.facility_id), lazyload(Case.diagnoses))
    if askers:
        stmt = stmt.options(selectinload(Case.asker).lazyload(User.tier),
                            selectinload(Case.asker).lazyload(User.facility),
                            selectinload(Case.facility).lazyload(Facility.province),
                            selectinload(Case.facility).lazyload(Facility.commune))
    return stmt


def inbox(user, page: int = 1, per_page: int = 25, *, tasks: bool = False) -> Page:
    """The cases waiting for the user, most urgent first: as inbox rows, or
    (tasks) as the home page's case tasks."""
    stmt = _waiting_for(user).order_by(Case.urgency_rank, Case.due_at, Case.id)
    return paginate_rows(_task_options(stmt, askers=True) if tasks else _row_options(stmt), page, per_page)


def nothing_waits_for(user) -> bool:
    """Cases wait one tier above their asker: nothing ever waits for a worker
    at the bottom tier, so their pages skip the inbox queries (issue 12's
    profile: the commune home counted an inbox that is always empty)."""
    from mentoring.org.services import tier_codes
    return user.role == "worker" and user.tier_code == tier_codes()[-1]


def inbox_count(user) -> int:
    from flask import g, has_app_context
    if nothing_waits_for(user):
        return 0
    if has_app_context() and g.get("inbox_count") is not None and user.id == _current_user_id():
        return g.inbox_count  # the inbox page just counted them (cases.views.inbox)
    return db.session.execute(select(func.count()).select_from(
        _waiting_for(user).with_only_columns(Case.id).subquery())).scalar()


def _current_user_id():
    from flask_login import current_user
    return getattr(current_user, "id", None)


def my_cases(user, limit: int = 20, *, tasks: bool = False) -> list[Case]:
    """The asker's own cases still in progress, answered first: as inbox
    rows, or (tasks) as the home page's case tasks."""
    stmt = select(Case).where(Case.asker_id == user.id, Case.status != "closed").order_by(
        sql_case((Case.status == "answered", 0), else_=1), Case.updated_at.desc()).limit(limit)
    stmt = _task_options(stmt) if tasks else _row_options(stmt)
    return list(db.session.execute(stmt).unique().scalars())


# --- search and library -----------------------------------------------------

@dataclass
class Filters:
    status: str | None = None
    urgency: str | None = None
    icd10: str | None = None      # a code or its start (E11 finds E11.9)
    chapter: str | None = None    # a roman numeral (IX)
    facility_id: int | None = None
    province_code: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    q: str | None = None
    group_id: int | None = None


def filtered(user, f: Filters):
    stmt = policy.scope_cases(user, select(Case))
    if f.status:
        stmt = stmt.where(Case.status == f.status)
    if f.urgency:
        stmt = stmt.where(Case.urgency == f.urgency)
    if f.icd10:
        code = f.icd10.strip().upper()
        stmt = stmt.where(Case.id.in_(select(CaseDiagnosis.case_id).where(
            or_(CaseDiagnosis.code == code, CaseDiagnosis.code.like(starting_with(code), escape=ESCAPE)))))
    if f.chapter:
        stmt = stmt.where(Case.id.in_(select(CaseDiagnosis.case_id).where(
            CaseDiagnosis.chapter == f.chapter.strip().upper())))
    if f.facility_id:
        stmt = stmt.where(Case.facility_id == f.facility_id)
    if f.province_code:
        stmt = stmt.where(Case.province_code == f.province_code)
    if f.group_id:
        stmt = stmt.where(Case.group_id == f.group_id)
    when = func.coalesce(Case.sent_at, Case.created_at)
    if f.date_from:
        stmt = stmt.where(when >= f.date_from)
    if f.date_to:
        stmt = stmt.where(when < f.date_to)
    for word in icd.fold(f.q or "").split()[:8]:
        stmt = stmt.where(Case.search_text.like(containing(word), escape=ESCAPE))
    return stmt


def search(user, f: Filters, page: int = 1, per_page: int = 25) -> Page:
    """Newest first. A coordinator sees every case in the country: the total
    is capped (org.services.paginate), exact up to MENTORING_COUNT_CAP."""
    return paginate(filtered(user, f).order_by(Case.id.desc()), page, per_page, capped=True)


def library(user, q: str | None = None, icd10: str | None = None, page: int = 1,
            per_page: int = 25) -> Page:
    """Closed (de-identified) cases of the user's groups, for teaching. A case
    sent despite a name or address warning waits for a mentor's review."""
    stmt = filtered(user, Filters(status="closed", q=q, icd10=icd10)).where(
        or_(Case.identifier_override_at.is_(None), Case.override_review == "cleared"))
    return paginate(stmt.order_by(Case.id.desc()), page, per_page, capped=True)


def earlier_cases(user, exclude_id: int | None = None, limit: int = 30) -> list[Case]:
    """The asker's own sent cases, newest first: what a follow-up may link to."""
    stmt = select(Case).where(Case.asker_id == user.id, Case.status != "draft")
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    return list(db.session.execute(stmt.order_by(Case.id.desc()).limit(limit)).scalars())


def nominated_ids(case_ids: list[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(db.session.execute(select(TeachingNomination.case_id).where(
        TeachingNomination.case_id.in_(case_ids))).scalars())


# --- audit ------------------------------------------------------------------

def audit(case_id: int | None = None, page: int = 1, per_page: int = 50) -> Page:
    stmt = select(CaseEvent).order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())
    if case_id:
        stmt = stmt.where(CaseEvent.case_id == case_id)
    return paginate_rows(stmt, page, per_page, capped=True)


def facilities_with_cases(user) -> list[Facility]:
    """Facility choices for the search form: those that asked visible cases."""
    ids = policy.scope_cases(user, select(Case.facility_id).distinct()).where(Case.facility_id.is_not(None))
    return list(db.session.execute(select(Facility).where(Facility.id.in_(ids))
                                   .order_by(Facility.name).limit(200)).unique().scalars())
