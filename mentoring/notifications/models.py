from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db


class Notification(db.Model):
    """Something a person should know. The text is not stored: `kind` and
    `params` are rendered in the reader's language when shown or sent."""
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # The e-mail job's queue: rows still waiting to be e-mailed.
        Index("ix_notifications_email_due", "email_pending", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_pending: Mapped[bool] = mapped_column(default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Tries so far; after MENTORING_MAIL_MAX_ATTEMPTS the mail is failed
    # (email_pending false, email_failed_at set) and keeps its last error.
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    email_error: Mapped[str | None] = mapped_column(String(500))
    email_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
