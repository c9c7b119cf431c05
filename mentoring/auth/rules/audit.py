"""Who may read the audit log: administrators only. It names who read which
case and from where, so coordinators (who see every group's work) do not."""
from mentoring.auth.policy import is_admin, rule


@rule("audit.view")
def _view_audit(user, target=None) -> bool:
    return is_admin(user)
