"""The coordinator's dashboard: every worker of a programme's audience is
certified, in progress, at risk or lapsed, counted by province, facility,
tier or group. One SQL definition of the status (worker_status_select) serves
the counts (GROUP BY), the drill-down list, the exports and a single worker's
page, so they never disagree; nothing loops over people in Python.

- certified: holds a live certificate (not revoked, not expired);
- lapsed: not certified, but held one (expired or revoked);
- at risk: neither, and behind: fewer counted hours in the last 365 days than
  the window needs a year (hours programmes, at_risk.pace), or their
  facility goes live on the electronic record within N days (at_risk.go_live_days);
- in progress: everyone else."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case, exists, func, literal, or_, select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.competency.models import Certificate, EhrRollout, Programme, TrainingCredit
from mentoring.extensions import db
from mentoring.org.models import Facility, GroupMembership, MentoringGroup, Province

STATUSES = ("certified", "in_progress", "at_risk", "lapsed")
DIMENSIONS = ("province", "facility", "tier", "group")


@dataclass
class Filters:
    province_code: int | None = None
    facility_id: int | None = None
    tier: str | None = None
    group_id: int | None = None
    status: str | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


def counted_hours_select(programme: Programme, since: datetime, user_ids=None, recent_since: datetime | None = None):
    """(user_id, hours[, recent]): hours earned since `since`, each kind capped
    as the programme says; with recent_since, also those earned since then.
    One GROUP BY user_id with a conditional sum per capped kind, so the
    database estimates one row per person (a nested per-kind aggregate was
    estimated at 200 rows and joined by nested loop: minutes, not seconds)."""
    caps = {k: float(v) for k, v in (((programme.requirements or {}).get("hours") or {}).get("caps") or {}).items()
            if v is not None}
    kind, hours, earned = TrainingCredit.source_kind, TrainingCredit.hours, TrainingCredit.earned_at

    def total(condition=None):
        def only(extra):
            tests = [c for c in (condition, extra) if c is not None]
            if not tests:
                return func.coalesce(func.sum(hours), 0)
            return func.coalesce(func.sum(case((and_(*tests), hours), else_=0)), 0)
        expr = only(kind.not_in(list(caps)) if caps else None)
        for name, cap in caps.items():
            part = only(kind == name)
            expr = expr + case((part > cap, literal(cap)), else_=part)
        return expr
    columns = [TrainingCredit.user_id, total().label("hours")]
    if recent_since is not None:
        columns.append(total(earned >= recent_since).label("recent"))
    stmt = select(*columns).where(earned >= since).group_by(TrainingCredit.user_id)
    if user_ids is not None:
        stmt = stmt.where(TrainingCredit.user_id.in_(user_ids))
    return stmt


def worker_status_select(programme: Programme, filters: Filters | None = None, today: date | None = None,
                         user_ids=None, with_window_hours: bool = False):
    """One row per worker of the programme's audience: ids, facility, province,
    tier, status (and their counted hours in the window, for lists and exports)."""
    from mentoring.competency.programmes import window_days
    filters = filters or Filters()
    today = today or clock.now().date()
    reqs = programme.requirements or {}
    at_risk_rule = reqs.get("at_risk") or {}
    certs = (select(Certificate.user_id,
                    func.max(case((and_(Certificate.revoked_at.is_(None), Certificate.expires_on > today), 1),
                                  else_=0)).label("live"),
                    func.max(Certificate.expires_on).label("last_expiry"))
             .where(Certificate.programme_id == programme.id).group_by(Certificate.user_id))
    if user_ids is not None:
        certs = certs.where(Certificate.user_id.in_(user_ids))
    certs = certs.subquery()
    risky = []
    hours = None
    hours_req = reqs.get("hours")
    year_ago = _day_start(today - timedelta(days=365))
    if with_window_hours:
        from mentoring.competency.programmes import window_start
        hours = counted_hours_select(programme, min(window_start(programme), year_ago), user_ids,
                                     recent_since=year_ago).subquery()
        year_hours = hours.c.recent
    elif hours_req and at_risk_rule.get("pace"):
        hours = counted_hours_select(programme, year_ago, user_ids).subquery()
        year_hours = hours.c.hours
    if hours_req and at_risk_rule.get("pace"):
        per_year = float(hours_req["required"]) * 365.25 / window_days(programme)
        risky.append(func.coalesce(year_hours, 0) < per_year)
    if at_risk_rule.get("go_live_days"):
        soon = today + timedelta(days=int(at_risk_rule["go_live_days"]))
        risky.append(exists().where(EhrRollout.facility_id == User.facility_id, EhrRollout.go_live_on <= soon))
    status = case((certs.c.live == 1, "certified"), (certs.c.user_id.is_not(None), "lapsed"),
                  *([(or_(*risky), "at_risk")] if risky else []), else_="in_progress").label("status")
    columns = [User.id.label("user_id"), User.full_name, User.tier_code, User.facility_id,
               Facility.name.label("facility_name"), Facility.province_code, status,
               certs.c.last_expiry]
    stmt = (select(*columns).select_from(User)
            .outerjoin(Facility, Facility.id == User.facility_id)
            .outerjoin(certs, certs.c.user_id == User.id))
    if hours is not None:
        stmt = stmt.outerjoin(hours, hours.c.user_id == User.id)
    if with_window_hours:
        stmt = stmt.add_columns(func.coalesce(hours.c.hours, 0).label("hours"))
    return _in_audience(stmt, programme, filters, user_ids)


def _in_audience(stmt, programme: Programme, filters: Filters, user_ids=None):
    """Active workers of the programme's audience (tiers, provinces, group
    names), narrowed by the dashboard's filters."""
    stmt = stmt.where(User.role == "worker", User.active.is_(True))
    aud = programme.audience or {}
    if aud.get("tiers"):
        stmt = stmt.where(User.tier_code.in_(aud["tiers"]))
    if aud.get("provinces"):
        stmt = stmt.where(Facility.province_code.in_(aud["provinces"]))
    if aud.get("groups"):
        stmt = stmt.where(exists().where(GroupMembership.user_id == User.id, GroupMembership.left_on.is_(None),
                                         GroupMembership.group_id.in_(select(MentoringGroup.id).where(
                                             MentoringGroup.name.in_(aud["groups"])))))
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    if filters.province_code:
        stmt = stmt.where(Facility.province_code == filters.province_code)
    if filters.facility_id:
        stmt = stmt.where(User.facility_id == filters.facility_id)
    if filters.tier:
        stmt = stmt.where(User.tier_code == filters.tier)
    if filters.group_id:
        stmt = stmt.where(exists().where(GroupMembership.user_id == User.id, GroupMembership.left_on.is_(None),
                                         GroupMembership.group_id == filters.group_id))
    return stmt


def audience_select(programme: Programme, filters: Filters | None = None):
    """The audience's workers with their place, without statuses: no credit is read."""
    stmt = (select(User.id.label("user_id"), User.full_name, User.tier_code, User.facility_id,
                   Facility.name.label("facility_name"), Facility.province_code)
            .select_from(User).outerjoin(Facility, Facility.id == User.facility_id))
    return _in_audience(stmt, programme, filters or Filters())


def status_of(user_id: int, programme: Programme) -> str:
    row = db.session.execute(worker_status_select(programme, user_ids=[user_id])).first()
    return row.status if row else "not_in_audience"


@dataclass
class Row:
    key: object
    label: str
    counts: dict

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def counts_by(programme: Programme, dimension: str, filters: Filters | None = None) -> tuple[list[Row], dict]:
    """Workers by status for each province, facility, tier or group, and the
    audience's totals by status: one statement (the status CTE once, a GROUP BY
    per dimension and one for the totals, joined by UNION ALL)."""
    workers = worker_status_select(programme, filters).cte("workers")
    if dimension == "group":
        key, label = MentoringGroup.id, MentoringGroup.name
        stmt = (select(key.label("k"), label.label("name"), workers.c.status, func.count().label("n"))
                .select_from(workers)
                .join(GroupMembership, and_(GroupMembership.user_id == workers.c.user_id,
                                            GroupMembership.left_on.is_(None)))
                .join(MentoringGroup, MentoringGroup.id == GroupMembership.group_id))
        if filters and filters.group_id:
            stmt = stmt.where(MentoringGroup.id == filters.group_id)
    elif dimension == "facility":
        key, label = workers.c.facility_id, workers.c.facility_name
        stmt = select(key.label("k"), label.label("name"), workers.c.status, func.count().label("n")
                      ).select_from(workers)
    elif dimension == "tier":
        key = label = workers.c.tier_code
        stmt = select(key.label("k"), key.label("name"), workers.c.status, func.count().label("n")
                      ).select_from(workers)
    else:
        key, label = workers.c.province_code, Province.name
        stmt = (select(key.label("k"), label.label("name"), workers.c.status, func.count().label("n"))
                .select_from(workers).outerjoin(Province, Province.code == workers.c.province_code))
    stmt = stmt.add_columns(literal(0).label("is_total")).group_by(
        *({key} if dimension == "tier" else (key, label)), workers.c.status)
    total = select(literal(None).label("k"), literal(None).label("name"), workers.c.status, func.count(),
                   literal(1)).select_from(workers).group_by(workers.c.status)
    rows: dict = {}
    totals = {s: 0 for s in STATUSES}
    for k, name, status, n, is_total in db.session.execute(stmt.union_all(total)).all():
        if is_total:
            totals[status] = n
            continue
        row = rows.setdefault(k, Row(k, name or "—", {s: 0 for s in STATUSES}))
        row.counts[status] = row.counts.get(status, 0) + n
    if dimension == "tier":
        from mentoring.org.services import tier_codes, tier_label
        order = {code: i for i, code in enumerate(tier_codes())}
        for row in rows.values():
            row.label = tier_label(row.key)
        return sorted(rows.values(), key=lambda r: order.get(r.key, 99)), totals
    return sorted(rows.values(), key=lambda r: (-r.total, str(r.label))), totals


def worker_page(programme: Programme, filters: Filters, page: int, per_page: int = 50):
    """The drill-down: workers with their status, by name, one page. Without a
    status filter the page is chosen by name first and only its people's
    statuses and hours are computed; with one, the statuses of all decide."""
    from mentoring.competency.programmes import window_start
    from mentoring.org.services import Page, page_bounds
    page, per_page = page_bounds(page, per_page, default=50, most=200)
    if filters.status:
        workers = worker_status_select(programme, filters).subquery()
        stmt = select(workers).where(workers.c.status == filters.status)
        order = (workers.c.full_name, workers.c.user_id)
    else:
        workers = audience_select(programme, filters).subquery()
        stmt = select(workers)
        order = (workers.c.full_name, workers.c.user_id)
    stmt = stmt.add_columns(func.count().over().label("total_rows"))
    rows = db.session.execute(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0].total_rows
    else:
        total = db.session.execute(select(func.count()).select_from(
            stmt.with_only_columns(*[c for c in stmt.selected_columns if c.name != "total_rows"]).subquery())).scalar()
    ids = [r.user_id for r in rows]
    statuses = {}
    if ids and not filters.status:
        statuses = {r.user_id: r for r in db.session.execute(
            worker_status_select(programme, filters, user_ids=ids)).all()}
    hours = dict(db.session.execute(counted_hours_select(programme, window_start(programme), ids)).all()) \
        if ids else {}
    items = []
    for r in rows:
        full = statuses.get(r.user_id, r)
        items.append(WorkerRow(user_id=r.user_id, full_name=r.full_name, tier_code=r.tier_code,
                               facility_id=r.facility_id, facility_name=r.facility_name,
                               province_code=r.province_code, status=full.status, last_expiry=full.last_expiry,
                               hours=float(hours.get(r.user_id) or 0)))
    return Page(items=items, page=page, per_page=per_page, total=total)


@dataclass
class WorkerRow:
    user_id: int
    full_name: str
    tier_code: str | None
    facility_id: int | None
    facility_name: str | None
    province_code: int | None
    status: str
    last_expiry: date | None
    hours: float = 0.0


def export_rows(programme: Programme, filters: Filters):
    """Every worker row for CSV/XLSX, streamed from the database in batches."""
    workers = worker_status_select(programme, filters, with_window_hours=True).subquery()
    stmt = (select(workers.c.user_id, workers.c.full_name, Province.name.label("province_name"),
                   workers.c.facility_name, workers.c.tier_code, workers.c.status, workers.c.hours,
                   workers.c.last_expiry)
            .select_from(workers).outerjoin(Province, Province.code == workers.c.province_code))
    if filters.status:
        stmt = stmt.where(workers.c.status == filters.status)
    stmt = stmt.order_by(workers.c.province_code, workers.c.facility_name, workers.c.full_name, workers.c.user_id)
    return db.session.execute(stmt.execution_options(yield_per=2000))
