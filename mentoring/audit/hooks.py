"""What the audit log hears without the other domains calling it: account
changes (role, deactivation, password) and group membership changes are
seen on the way to the database, whatever door made them (admin page, API,
CLI, another service), and logouts through Flask-Login's signal. So the
account and group services carry no audit code, and a new door that
changes a role is audited without anyone remembering to.

The listener runs before each flush, inside the caller's transaction: the
entry is written or rolled back with the change it describes."""
from flask_login import user_logged_out
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from mentoring.audit.services import record

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    user_logged_out.connect(_logged_out)
    _installed = True


def _changed(obj, name: str):
    """(old, new) when attribute `name` changed in this unit of work, else None."""
    history = inspect(obj).attrs[name].history
    if not history.added:
        return None
    old = history.deleted[0] if history.deleted else None
    new = history.added[0]
    return None if old == new else (old, new)


def _before_flush(session, _context, _instances) -> None:
    from mentoring.auth.models import User
    from mentoring.org.models import GroupMembership
    for obj in list(session.dirty):
        if isinstance(obj, User):
            _user_changed(obj)
        elif isinstance(obj, GroupMembership):
            _membership_changed(obj)
    for obj in list(session.new):
        if isinstance(obj, GroupMembership):
            record("group.member_added", target_kind="group", target_id=obj.group_id,
                   user_id=obj.user_id, tier=obj.tier_code, role=obj.role)


def _user_changed(user) -> None:
    if change := _changed(user, "role"):
        record("auth.role_changed", target_kind="user", target_id=user.id, old=change[0], new=change[1])
    if change := _changed(user, "active"):
        record("auth.deactivated" if not change[1] else "auth.reactivated", target_kind="user", target_id=user.id)
    if _changed(user, "password_hash"):
        record("auth.password_changed", target_kind="user", target_id=user.id)


def _membership_changed(membership) -> None:
    if change := _changed(membership, "left_on"):
        if change[1] is not None:
            record("group.member_removed", target_kind="group", target_id=membership.group_id,
                   user_id=membership.user_id, left_on=change[1].isoformat())
            return
    for name in ("tier_code", "role"):
        if change := _changed(membership, name):
            record("group.member_changed", target_kind="group", target_id=membership.group_id,
                   user_id=membership.user_id, field=name, old=change[0], new=change[1])


def _logged_out(_app, user=None, **_extra) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        record("auth.logout", actor=user, target_kind="user", target_id=user.id, durable=True)
