"""Retention: entries older than MENTORING_AUDIT_RETENTION_DAYS go (daily)."""
from mentoring.audit.services import prune


def prune_audit_log() -> None:
    prune()


JOBS = [("audit.prune", prune_audit_log, 24 * 3600)]
