"""Teaching sessions: the teleECHO rhythm a central doctor hosts.

A session is one occurrence in time (one room, one register, its own RSVPs
and reminders). A recurring session is a series row holding an RFC 5545 rule;
its occurrences are materialised as session rows for a rolling horizon, so
everything that belongs to one occurrence hangs off one row. A workshop is a
titled set of sessions (the EHR roll-out training the cascade delivers)."""
from datetime import datetime, timedelta

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db

STATUSES = ("scheduled", "cancelled", "held")
RSVP_RESPONSES = ("yes", "no", "maybe")
AGENDA_KINDS = ("didactic", "case")
REVIEW_STATUSES = ("in_review", "approved", "rejected")
REMINDER_KINDS = ("reminder", "slides", "end")
# The live room opens this long before the start and closes this long after the end.
ROOM_OPENS_BEFORE = timedelta(minutes=15)
ROOM_CLOSES_AFTER = timedelta(hours=1)


class SessionSeries(db.Model):
    """A recurrence: the rule (RFC 5545 RRULE text, e.g. FREQ=WEEKLY;INTERVAL=2)
    expanded in `timezone` from `dtstart`, so 14:00 stays 14:00 across DST.
    `materialised_until` is how far occurrences exist as rows; a job extends
    open-ended series."""
    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rule: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    dtstart: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    materialised_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Workshop(db.Model):
    """A titled set of sessions, e.g. the EHR roll-out training."""
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class TeachingSession(db.Model):
    __tablename__ = "teaching_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'cancelled', 'held')", name="status"),
        CheckConstraint("duration_minutes > 0", name="duration"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        # One row per occurrence of a series: re-expanding never makes a twin.
        UniqueConstraint("series_id", "original_start", name="uq_teaching_sessions_occurrence"),
        # The calendar and the overlap checks read by time.
        Index("ix_teaching_sessions_starts_at", "starts_at"),
        Index("ix_teaching_sessions_host_time", "host_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("session_series.id"), index=True)
    # The start the rule gave this occurrence; moving one occurrence keeps it.
    original_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    competency_codes: Mapped[list] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    video_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    # iCalendar SEQUENCE: bumped whenever attendees' calendars must update.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    host = relationship("User", foreign_keys=[host_id], lazy="select")
    series = relationship(SessionSeries, lazy="select")
    workshop = relationship(Workshop, lazy="select")
    audiences = relationship("SessionAudience", order_by="SessionAudience.id", lazy="select",
                             cascade="all, delete-orphan")

    @property
    def room_opens_at(self) -> datetime:
        return self.starts_at - ROOM_OPENS_BEFORE

    @property
    def room_closes_at(self) -> datetime:
        return self.ends_at + ROOM_CLOSES_AFTER

    @property
    def group_ids(self) -> list[int]:
        return sorted({a.group_id for a in self.audiences})


class SessionAudience(db.Model):
    """A group invited to a session; tier_code narrows it to one tier of that
    group (several rows for several tiers; NULL: the whole group)."""
    __tablename__ = "session_audiences"
    __table_args__ = (Index("ix_session_audiences_group", "group_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"),
                                            index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id", ondelete="CASCADE"))
    tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))

    group = relationship("MentoringGroup", lazy="select")


class AgendaItem(db.Model):
    """Project ECHO's agenda: a short didactic talk, then case presentations."""
    __tablename__ = "session_agenda_items"
    __table_args__ = (
        CheckConstraint("kind IN ('didactic', 'case')", name="kind"),
        CheckConstraint("minutes > 0", name="minutes"),
        Index("ix_session_agenda_items_presenter", "presenter_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer, default=15)
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))

    presenter = relationship("User", lazy="select")


class SessionMaterial(db.Model):
    """A file for a session (slides, a handout). The host's own uploads are
    approved at once; a presenter's stay "in_review" until the host approves
    them as free of identifiers. Only approved files reach the audience."""
    __tablename__ = "session_materials"
    __table_args__ = (
        CheckConstraint("review_status IN ('in_review', 'approved', 'rejected')", name="review_status"),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')",
                        name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"),
                                            index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_agenda_items.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    review_status: Mapped[str] = mapped_column(String(10), default="in_review")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id], lazy="select")


class SessionRsvp(db.Model):
    """Yes / no / maybe. A "yes" beyond the capacity waits: waitlist_position
    orders the waiting list (NULL: has a seat, or did not say yes)."""
    __tablename__ = "session_rsvps"
    __table_args__ = (
        CheckConstraint("response IN ('yes', 'no', 'maybe')", name="response"),
        UniqueConstraint("session_id", "user_id", name="uq_session_rsvps_session_user"),
        Index("ix_session_rsvps_user", "user_id", "response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    response: Mapped[str] = mapped_column(String(5))
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User", lazy="select")

    @property
    def waiting(self) -> bool:
        return self.response == "yes" and self.waitlist_position is not None


class AttendanceRecord(db.Model):
    """One person's line in a session's register. `minutes` is what counts:
    the union of their join/leave segments within the session, or the value a
    correction set (corrected=True), whichever came last."""
    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_session_attendance_session_user"),
        CheckConstraint("minutes >= 0", name="minutes"),
        Index("ix_session_attendance_user", "user_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User", lazy="select")


class AttendanceSegment(db.Model):
    """A join (the button) and its leave (the button, or the session's end)."""
    __tablename__ = "session_attendance_segments"
    __table_args__ = (
        CheckConstraint("left_at IS NULL OR left_at >= joined_at", name="order"),
        Index("ix_session_attendance_segments_open", "session_id", "user_id", "left_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttendanceCorrection(db.Model):
    """Every change made to the register by hand: the value, why, who, when."""
    __tablename__ = "session_attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("session_attendance.id", ondelete="CASCADE"),
                                           index=True)
    previous_minutes: Mapped[int | None] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(500))
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    corrected_by = relationship("User", lazy="select")


class SessionReminder(db.Model):
    """A deadline row: a reminder `offset_minutes` before the start, a
    presenter's slides reminder, or the session's end (close the register,
    mark it held). The job claims due rows and sets done_at in the same
    transaction, so it acts once however often it runs."""
    __tablename__ = "session_reminders"
    __table_args__ = (
        CheckConstraint("kind IN ('reminder', 'slides', 'end')", name="kind"),
        Index("ix_session_reminders_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(10))
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_agenda_items.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionFeedback(db.Model):
    __tablename__ = "session_feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_session_feedback_session_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CalendarFeedToken(db.Model):
    """The secret of a person's calendar subscription URL. Only its SHA-256 is
    kept; revoking ends the feed at once."""
    __tablename__ = "calendar_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
