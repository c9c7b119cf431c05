"""Case consultations."""
from sqlalchemy import or_, select

from mentoring.auth.policy import is_admin, is_group_member, is_staff, rule, tier_in_group
from mentoring.org.services import is_above


# A worker sees the cases of their own current groups (drafts only their own);
# coordinators and admins see every sent case. Answering, escalating, claiming
# and closing belong to the group's members above the asker's tier.

def _above_asker(user, case) -> bool:
    return is_above(tier_in_group(user, case.group_id), case.asker_tier_code)


def scope_cases(user, stmt):
    """Filter a select() involving Case to what `user` may see."""
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
    tier = tier_in_group(user, group.id)
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
    """The asker closes with the outcome; a mentor above closes a stale case with a reason."""
    if case is None or case.status == "draft":
        return False
    return case.asker_id == user.id or _above_asker(user, case)


@rule("case.outcome")
def _record_outcome(user, case) -> bool:
    """What became of the patient: the asker's to record, or a training coordinator's."""
    if case is None or case.status == "draft":
        return False
    return case.asker_id == user.id or user.role == "coordinator"


@rule("case.review")
def _review_override(user, case) -> bool:
    """Clear (or withhold) a case sent despite a name or address warning."""
    return case is not None and case.status != "draft" and _above_asker(user, case)


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
