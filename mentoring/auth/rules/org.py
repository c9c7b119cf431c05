"""The cascade: groups and facilities."""
from mentoring.auth.policy import is_admin, is_group_member, is_staff, rule


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
