"""EHR roll-out readiness. Before a facility switches to the electronic
health record its staff must hold the "ready for the electronic health
record" certificate. Per facility: the planned go-live date, the staff who
must be ready (named by a coordinator, or by default the facility's active
health workers) and how many are certified; per province and nationally,
facilities ready, at risk (go-live within 30 days and not ready) and late.
One GROUP BY query over facilities; provinces are summed from its rows."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, select, union_all

from mentoring import clock
from mentoring.auth.models import User
from mentoring.competency.models import Certificate, EhrRollout, EhrRolloutStaff
from mentoring.errors import ValidationFailed
from mentoring.extensions import db
from mentoring.org.models import Facility, Province

AT_RISK_DAYS = 30
STATES = ("ready", "on_track", "at_risk", "late")


@dataclass
class FacilityReadiness:
    facility_id: int
    name: str
    province_code: int
    province_name: str
    go_live_on: date
    staff: int
    ready: int
    state: str

    @property
    def share(self) -> float:
        return self.ready / self.staff if self.staff else 0.0


def state_of(go_live_on: date, staff: int, ready: int, today: date) -> str:
    if staff and ready >= staff:
        return "ready"
    if go_live_on < today:
        return "late"
    if go_live_on <= today + timedelta(days=AT_RISK_DAYS):
        return "at_risk"
    return "on_track"


def _staff():
    """(rollout_id, facility_id, user_id) of everyone who must be ready."""
    named = (select(EhrRollout.id.label("rollout_id"), EhrRollout.facility_id, EhrRolloutStaff.user_id)
             .join(EhrRolloutStaff, EhrRolloutStaff.rollout_id == EhrRollout.id))
    default = (select(EhrRollout.id, EhrRollout.facility_id, User.id)
               .join(User, and_(User.facility_id == EhrRollout.facility_id, User.role == "worker",
                                User.active.is_(True)))
               .where(~exists().where(EhrRolloutStaff.rollout_id == EhrRollout.id)))
    return union_all(named, default).subquery()


def facilities_select(province_code: int | None = None, today: date | None = None):
    """(facility id, name, province code, province name, go-live, staff, ready), one row per planned facility."""
    from mentoring.competency.programmes import ehr_programme
    today = today or clock.now().date()
    programme = ehr_programme()
    staff = _staff()
    # Holders of a live EHR certificate, once (a hash join, not a probe per person).
    live = (select(Certificate.user_id).where(Certificate.programme_id == (programme.id if programme else -1),
                                              Certificate.revoked_at.is_(None), Certificate.expires_on > today)
            .distinct().subquery())
    # Count per roll-out on integers first, then attach names: grouping the
    # 50,000 staff rows by facility and province names spilled its sort to disk.
    counts = (select(staff.c.rollout_id, func.count(staff.c.user_id).label("staff"),
                     func.count(live.c.user_id).label("ready"))
              .select_from(staff).outerjoin(live, live.c.user_id == staff.c.user_id)
              .group_by(staff.c.rollout_id).subquery())
    stmt = (select(EhrRollout.facility_id, Facility.name, Facility.province_code, Province.name,
                   EhrRollout.go_live_on, func.coalesce(counts.c.staff, 0), func.coalesce(counts.c.ready, 0))
            .select_from(EhrRollout)
            .join(Facility, Facility.id == EhrRollout.facility_id)
            .join(Province, Province.code == Facility.province_code)
            .outerjoin(counts, counts.c.rollout_id == EhrRollout.id)
            .order_by(EhrRollout.go_live_on, Facility.name))
    if province_code:
        stmt = stmt.where(Facility.province_code == province_code)
    return stmt


def facilities(province_code: int | None = None, today: date | None = None) -> list[FacilityReadiness]:
    today = today or clock.now().date()
    stmt = facilities_select(province_code, today)
    return [FacilityReadiness(fid, name, pcode, pname, go_live, n, int(r or 0), state_of(go_live, n, int(r or 0), today))
            for fid, name, pcode, pname, go_live, n, r in db.session.execute(stmt).all()]


@dataclass
class Summary:
    key: object
    label: str
    counts: Counter
    staff: int = 0
    ready_staff: int = 0

    @property
    def facilities(self) -> int:
        return sum(self.counts.values())


def summarise(rows: list[FacilityReadiness]) -> tuple[Summary, list[Summary]]:
    """(national, by province) from the facility rows."""
    nation = Summary(None, _("Nationwide"), Counter())
    provinces: dict = {}
    for row in rows:
        for summary in (nation, provinces.setdefault(row.province_code,
                                                     Summary(row.province_code, row.province_name, Counter()))):
            summary.counts[row.state] += 1
            summary.staff += row.staff
            summary.ready_staff += row.ready
    return nation, sorted(provinces.values(), key=lambda s: (-(s.counts["late"] + s.counts["at_risk"]), s.label))


MAX_NAMED_STAFF = 500


def set_go_live(facility: Facility, go_live_on: date, by, note: str | None = None,
                staff_ids: list[int] | None = None) -> EhrRollout:
    """Plan (or move) a facility's go-live. staff_ids names who must be ready;
    an empty list goes back to the default (the facility's active health
    workers); None leaves the named staff as they are."""
    if not isinstance(go_live_on, date):
        raise ValidationFailed(_("Please correct the marked fields."), fields={"go_live_on": _("Enter a date.")})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"note": _("At most %(n)d characters.", n=500)})
    rollout = db.session.execute(select(EhrRollout).where(EhrRollout.facility_id == facility.id)
                                 ).unique().scalar_one_or_none()
    if rollout is None:
        rollout = EhrRollout(facility_id=facility.id)
        db.session.add(rollout)
    if staff_ids is not None:
        _check_staff(staff_ids)
    rollout.go_live_on, rollout.note = go_live_on, note or None
    rollout.updated_by_id, rollout.updated_at = by.id if by else None, clock.now()
    db.session.flush()
    if staff_ids is not None:
        db.session.execute(delete(EhrRolloutStaff).where(EhrRolloutStaff.rollout_id == rollout.id))
        db.session.add_all([EhrRolloutStaff(rollout_id=rollout.id, user_id=uid) for uid in sorted(set(staff_ids))])
        db.session.flush()
    return rollout


@dataclass
class StaffMember:
    user: User
    named: bool      # named by a coordinator (else counted by default)
    counted: bool    # must be ready for this go-live
    certified: bool  # holds a live "ready for the EHR" certificate


def facility_staff(facility: Facility, today: date | None = None) -> tuple[EhrRollout | None, list[StaffMember]]:
    """Who could be named for a facility's go-live: its active health workers,
    plus anyone already named from elsewhere. Three queries whatever the size."""
    from mentoring.competency.programmes import ehr_programme
    today = today or clock.now().date()
    rollout = db.session.execute(select(EhrRollout).where(EhrRollout.facility_id == facility.id)
                                 ).unique().scalar_one_or_none()
    named = set(db.session.execute(select(EhrRolloutStaff.user_id).where(
        EhrRolloutStaff.rollout_id == rollout.id)).scalars()) if rollout else set()
    people = db.session.execute(select(User).where(
        (and_(User.facility_id == facility.id, User.role == "worker", User.active.is_(True)))
        | User.id.in_(named)).order_by(User.full_name).limit(MAX_NAMED_STAFF)).unique().scalars().all()
    programme = ehr_programme()
    certified = set(db.session.execute(select(Certificate.user_id).where(
        Certificate.programme_id == (programme.id if programme else -1), Certificate.revoked_at.is_(None),
        Certificate.expires_on > today, Certificate.user_id.in_([u.id for u in people]))).scalars())
    return rollout, [StaffMember(u, u.id in named, (u.id in named) if named else u.active, u.id in certified)
                     for u in people]


def _check_staff(staff_ids: list[int]) -> None:
    wanted = set(staff_ids)
    if len(wanted) > MAX_NAMED_STAFF:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"staff_ids": _("At most %(n)d people.", n=MAX_NAMED_STAFF)})
    found = set(db.session.execute(select(User.id).where(User.id.in_(wanted), User.role == "worker",
                                                         User.active.is_(True))).scalars()) if wanted else set()
    unknown = sorted(wanted - found)
    if unknown:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "staff_ids": _("These are not active health workers: %(ids)s.", ids=", ".join(map(str, unknown)))})


def facilities_at_risk(today: date | None = None) -> int:
    return sum(1 for row in facilities(today=today) if row.state == "at_risk")
