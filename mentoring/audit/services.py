"""Writing to and reading the audit log. Every domain calls `record`; like
any service it only adds to the session, so the entry is committed (or
rolled back) together with what it describes.

Some entries must outlive their request although the door does not commit
(a failed login, a logout, a file download on a GET): those are recorded
with `durable=True`, and the audit blueprint commits them, alone, when the
response is made (see mentoring.audit.views)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import delete, select

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.extensions import db

MAX_DETAIL_TEXT = 500  # a detail value is a note, never a copy of user content
_CURRENT = object()  # "whoever is logged in on this request"


def audited_read(view):
    """Mark a GET view that records who read what: on SQLite its transaction
    takes the write lock when it begins (mentoring._writes_data), so the
    audit row waits its turn instead of failing with "database is locked"
    when another request wrote since the read began."""
    view.writes_data = True
    return view


def record(action: str, *, actor=_CURRENT, target_kind: str | None = None, target_id: int | None = None,
           durable: bool = False, **detail) -> AuditEvent:
    """Log `action` by `actor` (a User; None for the system; by default the
    user logged in on this request, if any) on a target."""
    if actor is _CURRENT:
        actor = _logged_in_user()
    event = AuditEvent(action=action, actor_id=getattr(actor, "id", None), target_kind=target_kind,
                       target_id=target_id, detail={k: _short(v) for k, v in detail.items()},
                       ip=_client_address(), created_at=clock.now())
    db.session.add(event)
    if durable and has_request_context():
        g.setdefault("audit_durable", []).append(event)
    return event


def _short(value):
    if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
        return value[:MAX_DETAIL_TEXT] + "…"
    return value


def _logged_in_user():
    if not has_request_context():
        return None
    from flask_login import current_user
    user = current_user._get_current_object() if current_user else None
    return user if getattr(user, "is_authenticated", False) else None


def _client_address() -> str | None:
    # remote_addr is the client's own address only behind a correctly set
    # ProxyFix (MENTORING_TRUSTED_PROXIES); otherwise it is the proxy's.
    return (request.remote_addr or None) if has_request_context() else None


# --- reading: the admin's filtered view and its CSV ---------------------------

@dataclass
class Filters:
    who: str | None = None         # part of a name or e-mail, or "#<user id>"
    action: str | None = None      # an action or its start ("auth." = every account event)
    date_from: datetime | None = None  # UTC, inclusive
    date_to: datetime | None = None    # UTC, exclusive
    ip: str | None = None          # an address or its start ("10.1.")

    def as_detail(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items() if v}


def _like_prefix(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search(filters: Filters):
    """A select() of AuditEvent matching the filters, newest first."""
    from mentoring.auth.models import User
    stmt = select(AuditEvent)
    if filters.who:
        who = filters.who.strip()
        if who.startswith("#") and who[1:].isdigit():
            stmt = stmt.where(AuditEvent.actor_id == int(who[1:]))
        else:
            like = "%" + _like_prefix(who.lower())
            stmt = stmt.where(AuditEvent.actor_id.in_(select(User.id).where(
                User.email.ilike(like, escape="\\") | User.full_name.ilike(like, escape="\\"))))
    if filters.action:
        stmt = stmt.where(AuditEvent.action.like(_like_prefix(filters.action.strip()), escape="\\"))
    if filters.ip:
        stmt = stmt.where(AuditEvent.ip.like(_like_prefix(filters.ip.strip()), escape="\\"))
    if filters.date_from:
        stmt = stmt.where(AuditEvent.created_at >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(AuditEvent.created_at < filters.date_to)
    return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


CSV_COLUMNS = ("id", "created_at", "actor_id", "actor_email", "action", "target_kind", "target_id", "ip", "detail")


def csv_rows(filters: Filters, batch: int = 1000):
    """The filtered log as rows for a CSV, read in batches (it may be years long)."""
    import json
    from sqlalchemy.orm import selectinload
    stmt = search(filters).options(selectinload(AuditEvent.actor))
    for event in db.session.execute(stmt.execution_options(yield_per=batch)).scalars():
        yield (event.id, event.created_at.isoformat(), event.actor_id or "",
               event.actor.email if event.actor else "", event.action, event.target_kind or "",
               event.target_id if event.target_id is not None else "", event.ip or "",
               json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True))


# --- retention ------------------------------------------------------------------

def retention_days() -> int:
    """Telemedicine records are kept 10 years (Circular 49/2017/TT-BYT); the
    audit of who read them is kept as long unless the operator says otherwise."""
    return int(current_app.config.get("MENTORING_AUDIT_RETENTION_DAYS") or 3653)


def prune(now: datetime | None = None) -> int:
    """Remove entries older than the retention period; running it twice removes nothing more."""
    cutoff = (now or clock.now()) - timedelta(days=retention_days())
    removed = db.session.execute(delete(AuditEvent).where(AuditEvent.created_at < cutoff)).rowcount or 0
    if removed:
        record("audit.pruned", actor=None, removed=removed, before=cutoff.isoformat())
    db.session.flush()
    return removed
