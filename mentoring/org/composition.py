"""A group measured against 1-4-4-2: its current mentor and members per tier
against the configured minimums, for one loaded group or for many in SQL.

The rule: a group is complete when it has a current mentor and, at every
member tier (the `tiers` table, below the mentor's), at least
MENTORING_GROUP_MINIMUM current members. `Composition` applies it to counts
in memory; `_lacking` states the same rule in SQL over the aggregate of
`_aggregate`, so the overview and the coordinator's home find incomplete
groups in the database without loading every group (tests/org/
test_composition.py checks the two agree on a mixed data set)."""
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, or_, select

from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.org.models import GroupMembership, MentoringGroup
from mentoring.org.services import member_tiers


@dataclass
class Composition:
    """A group measured against 1-4-4-2 (minimums from configuration)."""
    mentor: User | int | None
    counts: dict = field(default_factory=dict)
    minimum: dict = field(default_factory=dict)

    @property
    def missing(self) -> dict:
        return {t: self.minimum[t] - self.counts.get(t, 0)
                for t in self.minimum if self.counts.get(t, 0) < self.minimum[t]}

    @property
    def complete(self) -> bool:
        return self.mentor is not None and not self.missing


def group_minimum() -> dict:
    configured = current_app.config["MENTORING_GROUP_MINIMUM"]
    return {t: int(configured.get(t, 0)) for t in member_tiers()}


def empty() -> Composition:
    return Composition(mentor=None, counts={}, minimum=group_minimum())


def composition(group: MentoringGroup) -> Composition:
    """A group whose memberships are loaded (the group page, the API)."""
    current = [m for m in group.memberships if m.left_on is None]
    mentor = next((m.user for m in current if m.role == "mentor"), None)
    counts = Counter(m.tier_code for m in current if m.role == "member")
    return Composition(mentor=mentor, counts=dict(counts), minimum=group_minimum())


# --- many groups in SQL -------------------------------------------------------

def _aggregate(group_ids=None):
    """One row per group (a group with no current membership too): id, name,
    mentor_id (the current mentor's user id or NULL), then the number of
    current members at each member tier, in member_tiers() order: one GROUP
    BY group over current memberships (left_on IS NULL), joined to the groups.
    Returns (select, mentor_id, {tier: count}) for `_lacking`."""
    m = GroupMembership
    per_group = (select(m.group_id, func.min(m.user_id).filter(m.role == "mentor").label("mentor_id"),
                        *(func.count().filter(m.role == "member", m.tier_code == t).label(f"n_{i}")
                          for i, t in enumerate(member_tiers())))
                 .where(m.left_on.is_(None)).group_by(m.group_id))
    if group_ids is not None:
        per_group = per_group.where(m.group_id.in_(group_ids))
    per_group = per_group.subquery()
    counts = {t: func.coalesce(per_group.c[f"n_{i}"], 0) for i, t in enumerate(member_tiers())}
    stmt = (select(MentoringGroup.id, MentoringGroup.name, per_group.c.mentor_id,
                   *(n.label(f"n_{i}") for i, n in enumerate(counts.values())))
            .outerjoin(per_group, per_group.c.group_id == MentoringGroup.id))
    if group_ids is not None:
        stmt = stmt.where(MentoringGroup.id.in_(group_ids))
    return stmt, per_group.c.mentor_id, counts


def _lacking(mentor_id, counts, minimum: dict):
    """The rule of Composition.complete, negated, in SQL."""
    return or_(mentor_id.is_(None), *(n < minimum[t] for t, n in counts.items() if minimum[t] > 0))


def _from_row(row, minimum: dict) -> Composition:
    tiers = member_tiers()
    counts = {t: n for t, n in zip(tiers, row[3:3 + len(tiers)]) if n}
    return Composition(mentor=row.mentor_id, counts=counts, minimum=minimum)


def compositions(group_ids, load_mentors: bool = True) -> dict[int, Composition]:
    """{group id: Composition} for a page of groups: one aggregate query, and
    with load_mentors one more for the mentors' accounts. Without it a
    composition's `mentor` is the mentor's user id (enough to tell complete
    from incomplete, or to count a mentor)."""
    ids = list(group_ids)
    if not ids:
        return {}
    stmt, _mentor, _counts = _aggregate(ids)
    minimum = group_minimum()
    result = {row.id: _from_row(row, minimum) for row in db.session.execute(stmt).all()}
    mentor_ids = {c.mentor for c in result.values() if c.mentor is not None}
    if load_mentors and mentor_ids:
        users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(mentor_ids)))
                 .unique().scalars()}
        for comp in result.values():
            comp.mentor = users.get(comp.mentor) if comp.mentor is not None else None
    return result


def incomplete_groups(limit: int) -> tuple[list[tuple], int]:
    """The first `limit` incomplete groups by name, each (row with id and name,
    Composition with the mentor's user id), and how many there are in all:
    one query, whatever the number of groups."""
    stmt, mentor_id, counts = _aggregate()
    minimum = group_minimum()
    stmt = (stmt.add_columns(func.count().over().label("total"))
            .where(_lacking(mentor_id, counts, minimum))
            .order_by(MentoringGroup.name, MentoringGroup.id).limit(limit))
    rows = db.session.execute(stmt).all()
    return [(row, _from_row(row, minimum)) for row in rows], (rows[0].total if rows else 0)


def count_incomplete() -> int:
    stmt, mentor_id, counts = _aggregate()
    stmt = stmt.with_only_columns(func.count()).where(_lacking(mentor_id, counts, group_minimum()))
    return db.session.execute(stmt).scalar()
