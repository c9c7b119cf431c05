"""Who may manage and see accounts."""
from mentoring.auth.policy import current_group_ids, is_admin, is_staff, rule


@rule("user.manage")
def _manage_users(user, target=None) -> bool:
    return is_admin(user)


@rule("user.view")
def _view_user(user, other) -> bool:
    if other is None or other.id == user.id or is_staff(user):
        return True
    return bool(current_group_ids(user) & current_group_ids(other))
