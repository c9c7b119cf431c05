"""The cascade's rules: administrative units, facilities, groups, members."""
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from mentoring import clock
from mentoring.auth.models import User
from mentoring.bounds import page_bounds
from mentoring.errors import Conflict, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.org.models import (KIND_TIER, Commune, Facility, GroupMembership, MentoringGroup, Province,
                                  Tier)
from mentoring.search import ESCAPE, containing


# --- administrative units ---------------------------------------------------

def import_admin_units() -> tuple[int, int]:
    """Insert or refresh provinces and communes from the vietnam-provinces
    package (34 provinces and 3,321 communes after the 2025 reform). Safe to
    run again: existing rows are updated in place, never duplicated."""
    from vietnam_provinces import Province as VPProvince
    from vietnam_provinces.lookup import WARD_MAPPING

    existing_p = {p.code: p for p in db.session.execute(select(Province)).scalars()}
    for src in VPProvince.iter_all():
        row = existing_p.get(int(src.code)) or Province(code=int(src.code))
        row.name, row.codename = src.name, src.codename
        row.division_type = getattr(src.division_type, "value", str(src.division_type))
        db.session.add(row)
    db.session.flush()
    existing_c = {c.code: c for c in db.session.execute(select(Commune)).scalars()}
    for src in WARD_MAPPING.values():
        row = existing_c.get(int(src.code)) or Commune(code=int(src.code))
        row.name, row.codename = src.name, src.codename
        row.division_type = getattr(src.division_type, "value", str(src.division_type))
        row.province_code = int(src.province_code)
        db.session.add(row)
    db.session.flush()
    provinces = db.session.execute(select(func.count()).select_from(Province)).scalar()
    communes = db.session.execute(select(func.count()).select_from(Commune)).scalar()
    return provinces, communes


def communes_of(province_code: int | None) -> list[Commune]:
    return list(db.session.execute(select(Commune).where(Commune.province_code == province_code)
                                   .order_by(Commune.name)).scalars())


def tiers() -> list[Tier]:
    return list(db.session.execute(select(Tier).order_by(Tier.rank)).scalars())


# --- the tier order ---------------------------------------------------------
# The `tiers` table is the one source of the cascade's order (rank 1 is the
# central level, the top). Its rows come from a migration and never change
# while the application runs, so each process reads them once per database.

_TIER_RANKS: dict[str, dict[str, int]] = {}


def tier_ranks() -> dict[str, int]:
    """{tier code: rank}, 1 = central."""
    key = str(db.engine.url)
    ranks = _TIER_RANKS.get(key)
    if ranks is None:
        ranks = dict(db.session.execute(select(Tier.code, Tier.rank)).all())
        if ranks:  # an empty table (a schema being built) is not remembered
            _TIER_RANKS[key] = ranks
    return ranks


def tier_codes() -> list[str]:
    """Every tier, top (central) to bottom (commune)."""
    ranks = tier_ranks()
    return sorted(ranks, key=ranks.__getitem__)


def member_tiers() -> list[str]:
    """The tiers a group's members work at: every tier below the mentor's."""
    return tier_codes()[1:]


def tiers_above(code: str) -> list[str]:
    """The tiers above `code`, nearest first (the way a case escalates)."""
    ranks = tier_ranks()
    return sorted((t for t in ranks if ranks[t] < ranks[code]), key=ranks.__getitem__, reverse=True)


def is_above(upper: str | None, lower: str | None) -> bool:
    """Is tier `upper` higher in the cascade than tier `lower`?"""
    ranks = tier_ranks()
    return upper in ranks and lower in ranks and ranks[upper] < ranks[lower]


# --- facilities -------------------------------------------------------------

def create_facility(*, name: str, kind: str, province_code: int | None,
                    commune_code: int | None = None, area: str | None = None) -> Facility:
    errors: dict = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter the facility's name.")
    if kind not in KIND_TIER:
        errors["kind"] = _("Choose the kind of facility.")
    province = db.session.get(Province, province_code) if province_code is not None else None
    if province is None:
        errors["province_code"] = _("This province does not exist.")
    if commune_code:
        commune = db.session.get(Commune, commune_code)
        if commune is None:
            errors["commune_code"] = _("This commune does not exist.")
        elif province is not None and commune.province_code != province.code:
            errors["commune_code"] = _("This commune is not in the chosen province.")
    elif kind == "commune_health_station":
        errors["commune_code"] = _("A commune health station needs its commune.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    clash = db.session.execute(select(Facility.id).where(
        Facility.name == name, Facility.province_code == province_code)).first()
    if clash:
        raise Conflict(_("This province already has a facility with that name."),
                       fields={"name": _("This province already has a facility with that name.")})
    facility = Facility(name=name, kind=kind, tier_code=KIND_TIER[kind], province_code=province_code,
                        commune_code=commune_code or None, area=(area or "").strip() or None)
    db.session.add(facility)
    db.session.flush()
    return facility


def search_facilities(q: str = "", province_code: int | None = None, tier_code: str | None = None,
                      page: int = 1, per_page: int = 25):
    stmt = select(Facility).where(Facility.active.is_(True))
    if q:
        like = containing(q.strip().lower())
        stmt = stmt.outerjoin(Commune, Facility.commune_code == Commune.code).where(
            or_(func.lower(Facility.name).like(like, escape=ESCAPE), func.lower(Commune.name).like(like, escape=ESCAPE),
                func.lower(Facility.area).like(like, escape=ESCAPE)))
    if province_code:
        stmt = stmt.where(Facility.province_code == province_code)
    if tier_code:
        stmt = stmt.where(Facility.tier_code == tier_code)
    return paginate(stmt.order_by(Facility.province_code, Facility.name), page, per_page)


def paginate(stmt, page: int, per_page: int, *, capped: bool = False):
    """One page of a select(): Flask-SQLAlchemy's paginator (a count and one
    page of rows), with the page number bounded first so OFFSET stays in range.

    capped=True, for the lists that can hold a whole national table (every
    case for a coordinator, the audit log): the total is counted only up to
    MENTORING_COUNT_CAP rows, or up to the end of the page asked for if that
    is further, and the Page says whether it is the whole count
    (total_exact). "Next" stays exact: when the count stops short, at least
    one row lies beyond this page."""
    page, per_page = page_bounds(page, per_page)
    if not capped:
        return db.paginate(stmt, page=page, per_page=per_page, max_per_page=per_page, error_out=False)
    rows = db.paginate(stmt, page=page, per_page=per_page, max_per_page=per_page, error_out=False,
                       count=False)
    cap = max(int(current_app.config.get("MENTORING_COUNT_CAP", COUNT_CAP)), page * per_page)
    total, exact = capped_count(stmt, cap)
    return Page(items=rows.items, page=page, per_page=per_page, total=total, total_exact=exact)


COUNT_CAP = 10_000


def capped_count(stmt, cap: int) -> tuple[int, bool]:
    """(the number of rows of a select(), True) when there are at most `cap`;
    (cap, False) otherwise. Reads at most cap + 1 rows: SELECT count(*) FROM
    (SELECT ... LIMIT cap + 1), never the whole table."""
    sub = stmt.options(lazyload("*")).order_by(None).limit(cap + 1).subquery()
    counted = db.session.execute(select(func.count()).select_from(sub)).scalar()
    return (counted, True) if counted <= cap else (cap, False)


def paginate_list(rows: list, page: int, per_page: int) -> "Page":
    """A page of a list already in memory (same attributes as a SQL page)."""
    page, per_page = page_bounds(page, per_page)
    return Page(items=rows[(page - 1) * per_page:page * per_page], page=page, per_page=per_page,
                total=len(rows))


@dataclass
class Page:
    """A page of rows. total_exact False: `total` is a lower bound (there
    are more than `total` rows) and `pages` the pages known to be full
    (there are more than `pages`); `has_next` is exact either way."""
    items: list
    page: int
    per_page: int
    total: int
    total_exact: bool = True

    @property
    def pages(self) -> int:
        if not self.total_exact:
            return max(1, self.total // self.per_page)
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return not self.total_exact or self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


# --- groups -----------------------------------------------------------------
# (A group measured against 1-4-4-2, one or many: mentoring/org/composition.py.)

def groups_with_mentor_names(stmt, limit: int = 50) -> list[tuple]:
    """[(group row with id and name, the mentor's name or None)] for a select()
    of MentoringGroup.id and .name, by name: the home page's list."""
    groups = db.session.execute(stmt.order_by(MentoringGroup.name, MentoringGroup.id).limit(limit)).all()
    if not groups:
        return []
    mentors = dict(db.session.execute(
        select(GroupMembership.group_id, User.full_name).join(User, User.id == GroupMembership.user_id)
        .where(GroupMembership.group_id.in_([g.id for g in groups]), GroupMembership.role == "mentor",
               GroupMembership.left_on.is_(None))).all())
    return [(g, mentors.get(g.id)) for g in groups]


def groups_with_members(stmt=None) -> list[MentoringGroup]:
    """Groups with their memberships and users in a fixed number of queries."""
    stmt = stmt if stmt is not None else select(MentoringGroup)
    stmt = stmt.options(selectinload(MentoringGroup.memberships).joinedload(GroupMembership.user))
    return list(db.session.execute(stmt.order_by(MentoringGroup.name)).unique().scalars())


def groups_page(stmt, page: int, per_page: int) -> "Page":
    stmt = stmt.options(selectinload(MentoringGroup.memberships).joinedload(GroupMembership.user))
    return paginate(stmt.order_by(MentoringGroup.name, MentoringGroup.id), page, per_page)


def get_group(group_id: int) -> MentoringGroup:
    group = db.session.execute(
        select(MentoringGroup).where(MentoringGroup.id == group_id).options(
            selectinload(MentoringGroup.memberships).joinedload(GroupMembership.user))
    ).unique().scalar_one_or_none()
    if group is None:
        raise NotFound(_("No such group."))
    return group


def create_group(*, name: str, mentor: User, description: str | None = None,
                 joined_on: date | None = None) -> MentoringGroup:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter the group's name.")
    if mentor is None or mentor.role != "mentor" or mentor.tier_code != "central":
        errors["mentor_id"] = _("The mentor must be a central-level doctor.")
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    if db.session.execute(select(MentoringGroup.id).where(MentoringGroup.name == name)).first():
        raise Conflict(_("A group with this name already exists."),
                       fields={"name": _("A group with this name already exists.")})
    group = MentoringGroup(name=name, description=(description or "").strip() or None,
                           created_at=clock.now())
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMembership(group_id=group.id, user_id=mentor.id, tier_code="central",
                                   role="mentor", joined_on=joined_on or _today()))
    db.session.flush()
    db.session.refresh(group)
    return group


def _today() -> date:
    return clock.now().date()


def add_member(group: MentoringGroup, user: User, *, tier_code: str,
               joined_on: date | None = None, supervisor: GroupMembership | None = None
               ) -> GroupMembership:
    """Put a worker into a group at a tier. The tier must be the worker's own
    and one of the member tiers; the mentor is set by create_group."""
    errors = {}
    if tier_code not in member_tiers():
        errors["tier_code"] = _("Members are provincial, district or commune workers.")
    elif user.role != "worker":
        errors["user_id"] = _("Only health workers can be members; mentors lead groups.")
    elif user.tier_code != tier_code:
        errors["tier_code"] = _("This worker is at the %(tier)s tier, not %(wanted)s.",
                                tier=tier_label(user.tier_code), wanted=tier_label(tier_code))
    elif not user.active:
        errors["user_id"] = _("This account is deactivated.")
    if supervisor is not None and not errors:
        problem = _supervision_problem(group, supervisor, tier_code)
        if problem:
            errors["supervisor_id"] = problem
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    if any(m.user_id == user.id and m.left_on is None for m in group.memberships):
        raise Conflict(_("This person is already in the group."),
                       fields={"user_id": _("This person is already in the group.")})
    membership = GroupMembership(group_id=group.id, user_id=user.id, tier_code=tier_code,
                                 role="member", joined_on=joined_on or _today(),
                                 supervisor_id=supervisor.id if supervisor else None)
    db.session.add(membership)
    db.session.flush()
    db.session.refresh(group)
    return membership


def _supervision_problem(group, supervisor: GroupMembership, tier_code: str) -> str | None:
    if supervisor.group_id != group.id or supervisor.left_on is not None:
        return _("The supervisor must be a current member of this group.")
    if supervisor.role == "mentor":
        return _("The mentor supports everyone already; choose a provincial or district member.")
    if not is_above(supervisor.tier_code, tier_code):
        return _("A supervisor must be at a higher tier than the member.")
    return None


def set_supervisor(membership: GroupMembership, supervisor: GroupMembership | None) -> None:
    if supervisor is not None:
        problem = _supervision_problem(membership.group, supervisor, membership.tier_code)
        if problem:
            raise ValidationFailed(problem, fields={"supervisor_id": problem})
    membership.supervisor_id = supervisor.id if supervisor else None
    db.session.flush()


def remove_member(membership: GroupMembership, left_on: date | None = None) -> None:
    """Leaving keeps the row (history); it only sets the leaving date."""
    if membership.role == "mentor":
        raise ValidationFailed(_("A group's mentor cannot leave; choose a new mentor first."))
    if membership.left_on is not None:
        return
    membership.left_on = left_on or _today()
    if membership.left_on < membership.joined_on:
        membership.left_on = membership.joined_on
    # Those this person supported are no longer supported by them.
    for other in membership.group.memberships:
        if other.supervisor_id == membership.id:
            other.supervisor_id = None
    db.session.flush()
    # Their open chat sockets stop receiving the group's rooms once this commits.
    from mentoring.realtime import recheck_after_commit
    recheck_after_commit(membership.user_id)


_TIER_LABELS = {"central": _l("central"), "provincial": _l("provincial"),
                "district": _l("district"), "commune": _l("commune")}


def tier_label(code: str | None) -> str:
    return str(_TIER_LABELS.get(code or "", code or ""))  # one translation, not the table's four
