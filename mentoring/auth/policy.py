"""The one place that decides who may do what.

Every door (HTML view, JSON API, Socket.IO handler, export, scheduler job)
asks here: `allowed(user, action, target)` for a yes/no, `require(...)` to
raise, and `scope_*` helpers to filter list queries so lists and single
objects follow the same rule. Rules are small functions registered by action
name; an action nobody registered is refused (fail closed).

The rules themselves live in mentoring/auth/rules/, one module per domain
(accounts, org, cases, chat, ...), all loaded at the end of this module, so
importing `policy` always brings every rule."""
import functools
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import bindparam, exists, select

from mentoring.errors import Forbidden, NotFound
from mentoring.extensions import db

Rule = Callable[..., bool]
_RULES: dict[str, Rule] = {}


def rule(action: str):
    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise RuntimeError(f"policy rule {action!r} registered twice")
        _RULES[action] = fn
        return fn
    return register


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def allowed(user, action: str, target=None) -> bool:
    if not _is_user(user):
        return False
    fn = _RULES.get(action)
    if fn is None:
        return False
    return bool(fn(user, target))


def require(user, action: str, target=None, *, hide: bool = False) -> None:
    """Raise unless allowed. With hide=True a refusal looks like "not found",
    so guessing ids tells nobody which ids exist."""
    if not allowed(user, action, target):
        raise NotFound() if hide else Forbidden()


def rules() -> list[str]:
    return sorted(_RULES)


# --- helpers shared by rules ------------------------------------------------

def is_admin(user) -> bool:
    return user.role == "admin"


def is_staff(user) -> bool:
    """Admins and coordinators oversee every group."""
    return user.role in ("admin", "coordinator")


def current_group_ids(user) -> set[int]:
    from mentoring.org.models import GroupMembership
    rows = db.session.execute(
        select(GroupMembership.group_id).where(
            GroupMembership.user_id == user.id, GroupMembership.left_on.is_(None))
    ).scalars()
    return set(rows)


@functools.cache
def _member_statement():
    # Built once: asked on every chat event and most pages.
    from mentoring.org.models import GroupMembership
    return select(exists().where(GroupMembership.user_id == bindparam("user_id"),
                                 GroupMembership.group_id == bindparam("group_id"),
                                 GroupMembership.left_on.is_(None)))


# Within `remembering()`, a user's current tier in a group is looked up once
# and every rule that asks (membership, "above the asker") reuses it: one
# page asks a dozen rules about the same case (issue 12: the case page ran
# seven identical membership queries, one more per reply).
_memberships: ContextVar[dict | None] = ContextVar("policy_memberships", default=None)


@contextmanager
def remembering():
    """Answer repeated membership questions from the first answer, for a
    span of code that does not change memberships (one page's checks and
    rendering). Nested spans share the outer one; the answers go at the end."""
    if _memberships.get() is not None:
        yield
        return
    token = _memberships.set({})
    try:
        yield
    finally:
        _memberships.reset(token)


def is_group_member(user, group_id: int) -> bool:
    if _memberships.get() is not None:
        return tier_in_group(user, group_id) is not None
    return db.session.execute(_member_statement(), {"user_id": user.id, "group_id": group_id}).scalar()


def scope_groups(user, stmt):
    """Filter a select() of MentoringGroup to what `user` may see."""
    from mentoring.org.models import GroupMembership, MentoringGroup
    if is_staff(user):
        return stmt
    mine = select(GroupMembership.group_id).where(
        GroupMembership.user_id == user.id, GroupMembership.left_on.is_(None))
    return stmt.where(MentoringGroup.id.in_(mine))


@functools.cache
def _tier_statement():
    from mentoring.org.models import GroupMembership
    return select(GroupMembership.tier_code).where(
        GroupMembership.user_id == bindparam("user_id"), GroupMembership.group_id == bindparam("group_id"),
        GroupMembership.left_on.is_(None))


def tier_in_group(user, group_id: int) -> str | None:
    """The user's tier in the group (current membership), or None."""
    memo = _memberships.get()
    key = (user.id, group_id)
    if memo is not None and key in memo:
        return memo[key]
    tier = db.session.execute(_tier_statement(), {"user_id": user.id, "group_id": group_id}).scalar()
    if memo is not None:
        memo[key] = tier
    return tier


def is_group_mentor(user, group_id) -> bool:
    """Does `user` lead this group (its current mentor)?"""
    from mentoring.org.models import GroupMembership
    return db.session.execute(
        select(exists().where(GroupMembership.user_id == user.id,
                              GroupMembership.group_id == group_id,
                              GroupMembership.role == "mentor",
                              GroupMembership.left_on.is_(None)))
    ).scalar()


# --- the rules, one module per domain ----------------------------------------

def _load_rules() -> None:
    from importlib import import_module
    from importlib.util import find_spec
    from mentoring import DOMAINS
    for domain in ("accounts", *DOMAINS):
        name = f"mentoring.auth.rules.{domain}"
        if find_spec(name) is not None:
            import_module(name)


_load_rules()

# Scopes that list queries use, kept reachable as policy.scope_*.
from mentoring.auth.rules.cases import scope_cases  # noqa: E402,F401
