"""Writing to the audit log. Every domain calls `record`; like any service
it only adds to the session, so the entry is committed (or rolled back)
together with what it describes. A door that refuses something and still
wants it logged (a failed login) commits the entry itself."""
from flask import has_request_context, request

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.extensions import db

MAX_DETAIL_TEXT = 500  # a detail value is a note, never a copy of user content


def record(action: str, *, actor=None, target_kind: str | None = None, target_id: int | None = None,
           **detail) -> AuditEvent:
    """Log `action` by `actor` (a User, or None for the system) on a target."""
    event = AuditEvent(action=action, actor_id=getattr(actor, "id", None), target_kind=target_kind,
                       target_id=target_id, detail={k: _short(v) for k, v in detail.items()},
                       ip=_client_address(), created_at=clock.now())
    db.session.add(event)
    return event


def _short(value):
    if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
        return value[:MAX_DETAIL_TEXT] + "…"
    return value


def _client_address() -> str | None:
    # remote_addr is the client's own address only behind a correctly set
    # ProxyFix (MENTORING_TRUSTED_PROXIES); otherwise it is the proxy's.
    return (request.remote_addr or None) if has_request_context() else None
