"""The one place that decides who may do what.

Every door (HTML view, JSON API, Socket.IO handler, export, scheduler job)
asks here: `allowed(user, action, target)` for a yes/no, `require(...)` to
raise, and `scope_*` helpers to filter list queries so lists and single
objects follow the same rule. Rules are small functions registered by action
name; an action nobody registered is refused (fail closed)."""
from collections.abc import Callable

from sqlalchemy import exists, select

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


def is_group_member(user, group_id: int) -> bool:
    from mentoring.org.models import GroupMembership
    return db.session.execute(
        select(exists().where(GroupMembership.user_id == user.id,
                              GroupMembership.group_id == group_id,
                              GroupMembership.left_on.is_(None)))
    ).scalar()


def scope_groups(user, stmt):
    """Filter a select() of MentoringGroup to what `user` may see."""
    from mentoring.org.models import GroupMembership, MentoringGroup
    if is_staff(user):
        return stmt
    mine = select(GroupMembership.group_id).where(
        GroupMembership.user_id == user.id, GroupMembership.left_on.is_(None))
    return stmt.where(MentoringGroup.id.in_(mine))


# --- accounts ---------------------------------------------------------------

@rule("user.manage")
def _manage_users(user, target=None) -> bool:
    return is_admin(user)


@rule("user.view")
def _view_user(user, other) -> bool:
    if other is None or other.id == user.id or is_staff(user):
        return True
    return bool(current_group_ids(user) & current_group_ids(other))


# --- the cascade ------------------------------------------------------------

@rule("group.list")
def _list_groups(user, target=None) -> bool:
    return True  # the list itself is scoped by scope_groups


@rule("group.view")
def _view_group(user, group) -> bool:
    return is_staff(user) or is_group_member(user, group.id)


@rule("group.manage")
def _manage_group(user, group=None) -> bool:
    return is_staff(user)


@rule("group.overview")
def _groups_overview(user, target=None) -> bool:
    """The coordinator's composition view across all groups."""
    return is_staff(user)


@rule("facility.view")
def _view_facilities(user, target=None) -> bool:
    return True


@rule("facility.manage")
def _manage_facilities(user, target=None) -> bool:
    return is_admin(user)


# --- cases (case consultations) ---------------------------------------------
# A worker sees the cases of their own current groups (drafts only their own);
# coordinators and admins see every sent case. Answering, escalating, claiming
# and closing belong to the group's members above the asker's tier.

_TIER_RANK = {"central": 1, "provincial": 2, "district": 3, "commune": 4}


def case_tier_of(user, group_id: int) -> str | None:
    """The user's tier in the group (current membership), or None."""
    from mentoring.org.models import GroupMembership
    return db.session.execute(select(GroupMembership.tier_code).where(
        GroupMembership.user_id == user.id, GroupMembership.group_id == group_id,
        GroupMembership.left_on.is_(None))).scalar()


def _above_asker(user, case) -> bool:
    tier = case_tier_of(user, case.group_id)
    return tier is not None and _TIER_RANK[tier] < _TIER_RANK[case.asker_tier_code]


def scope_cases(user, stmt):
    """Filter a select() involving Case to what `user` may see."""
    from sqlalchemy import or_

    from mentoring.cases.models import Case
    from mentoring.org.models import GroupMembership
    not_draft = or_(Case.status != "draft", Case.asker_id == user.id)
    if is_staff(user):
        return stmt.where(not_draft)
    mine = select(GroupMembership.group_id).where(
        GroupMembership.user_id == user.id, GroupMembership.left_on.is_(None))
    return stmt.where(Case.group_id.in_(mine), not_draft)


@rule("case.create")
def _create_case(user, group=None) -> bool:
    if group is None:  # "may this person ask at all" (navigation)
        return user.role == "worker"
    tier = case_tier_of(user, group.id)
    return tier is not None and tier != "central"


@rule("case.view")
def _view_case(user, case) -> bool:
    if case is None:
        return False
    if case.status == "draft":
        return case.asker_id == user.id
    return is_staff(user) or case.asker_id == user.id or is_group_member(user, case.group_id)


@rule("case.own")
def _own_case(user, case) -> bool:
    """Asker's actions: edit and send a draft, mark answered, ask again."""
    return case is not None and case.asker_id == user.id


@rule("case.reply")
def _reply_case(user, case) -> bool:
    if case is None or case.status == "draft":
        return False
    return case.asker_id == user.id or _above_asker(user, case)


@rule("case.attach")
def _attach_case(user, case) -> bool:
    return case is not None and (case.asker_id == user.id or _reply_case(user, case))


@rule("case.escalate")
def _escalate_case(user, case) -> bool:
    return case is not None and case.status != "draft" and _above_asker(user, case)


@rule("case.claim")
def _claim_case(user, case) -> bool:
    return case is not None and case.status != "draft" and _above_asker(user, case)


@rule("case.close")
def _close_case(user, case) -> bool:
    if case is None or case.status == "draft":
        return False
    return case.asker_id == user.id or _above_asker(user, case)


@rule("case.nominate")
def _nominate_case(user, case) -> bool:
    return case is not None and case.status == "closed" and _above_asker(user, case)


@rule("case.audit")
def _audit_cases(user, target=None) -> bool:
    return is_admin(user)


@rule("case.report")
def _report_cases(user, target=None) -> bool:
    return is_staff(user)


@rule("case.inbox")
def _case_inbox(user, target=None) -> bool:
    return user.role in ("worker", "mentor")


# --- chat -------------------------------------------------------------------
# (rules for chat rooms and messages go here)

def _case_of(room):
    from mentoring.chat.services import case_model
    Case = case_model()
    return db.session.get(Case, room.case_id) if Case is not None and room.case_id else None


def _is_group_mentor(user, group_id) -> bool:
    from mentoring.org.models import GroupMembership
    return db.session.execute(
        select(exists().where(GroupMembership.user_id == user.id,
                              GroupMembership.group_id == group_id,
                              GroupMembership.role == "mentor",
                              GroupMembership.left_on.is_(None)))
    ).scalar()


@rule("chat.room.view")
def _view_chat_room(user, room) -> bool:
    """Join, read, post, type in a room: the group's members (staff oversee
    all groups), whoever may see the case, or one of the two people."""
    if room is None:
        return False
    if room.kind == "group":
        return is_staff(user) or is_group_member(user, room.group_id)
    if room.kind == "case":
        case = _case_of(room)
        return case is not None and allowed(user, "case.view", case)
    if room.kind == "direct":
        return user.id in (room.user_low_id, room.user_high_id)
    return False


@rule("chat.direct.start")
def _start_direct(user, other) -> bool:
    """Direct messages only between two people who share a current group."""
    if other is None or other.id == user.id or not other.active:
        return False
    return bool(current_group_ids(user) & current_group_ids(other))


@rule("chat.message.urgent")
def _mark_urgent(user, room) -> bool:
    """A mentor (of the room's group) or the case's asker may ask for acknowledgement."""
    if room is None or not _view_chat_room(user, room):
        return False
    if is_staff(user):
        return True
    if room.kind == "direct":
        return user.role == "mentor"
    if room.kind == "case":
        case = _case_of(room)
        if case is not None and case.asker_id == user.id:
            return True
    return room.group_id is not None and _is_group_mentor(user, room.group_id)


@rule("chat.message.change")
def _change_message(user, message) -> bool:
    """Edit or delete: your own message only (the 15-minute window is a service rule)."""
    return message is not None and message.author_id == user.id
