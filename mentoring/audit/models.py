"""One audit log for the whole platform (logins, account and role changes,
group membership, exports, certificate revocations, every read of a case).
Rows are only ever added; a retention job removes those older than the
configured period (telemedicine records: 10 years, Circular 49/2017)."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_created_at", "created_at"),
        Index("ix_audit_events_actor", "actor_id", "created_at"),
        Index("ix_audit_events_action", "action", "created_at"),
        Index("ix_audit_events_target", "target_kind", "target_id"),
        Index("ix_audit_events_ip", "ip", "created_at"),  # "from where" filter (0012)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Empty when the system acted (a scheduler job) or nobody was logged in
    # (a failed login); ON DELETE SET NULL keeps the row if an account goes.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Dotted, domain first: "auth.login_failed", "case.viewed", "certificate.revoked".
    action: Mapped[str] = mapped_column(String(60))
    target_kind: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))  # the client address (IPv6 at most 45 characters)

    actor = relationship("User", lazy="select")
