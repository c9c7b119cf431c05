"""Chat rooms and what happens in them.

A room belongs to exactly one thing: a mentoring group, a case (its
discussion), a pair of people (direct messages) or a teaching session (its
live questions, open around the session's time). Read state is one row per
(room, person) holding the highest message id they have seen, so "who has
seen message N" is `last_read_id >= N` and unread counts are one query.
Urgent messages keep one acknowledgement row per recipient; that row is also
the reminder (due_at, done_at) the scheduler job claims."""
from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db

ROOM_KINDS = ("group", "case", "direct", "session")
MAX_BODY = 4000


class ChatRoom(db.Model):
    __tablename__ = "chat_rooms"
    __table_args__ = (
        CheckConstraint("kind IN ('group', 'case', 'direct', 'session')", name="kind"),
        CheckConstraint(
            "(kind = 'group' AND group_id IS NOT NULL AND case_id IS NULL AND user_low_id IS NULL "
            "AND session_id IS NULL) OR "
            "(kind = 'case' AND case_id IS NOT NULL AND user_low_id IS NULL AND session_id IS NULL) OR "
            "(kind = 'direct' AND group_id IS NULL AND case_id IS NULL AND user_low_id IS NOT NULL "
            "AND user_high_id IS NOT NULL AND user_low_id < user_high_id AND session_id IS NULL) OR "
            "(kind = 'session' AND session_id IS NOT NULL AND group_id IS NULL AND case_id IS NULL "
            "AND user_low_id IS NULL)",
            name="owner"),
        # One room per group, per case and per pair: lazy creation races end in a conflict, not a twin.
        Index("uq_chat_rooms_group", "group_id", unique=True,
              sqlite_where=db.text("kind = 'group'"), postgresql_where=db.text("kind = 'group'")),
        UniqueConstraint("case_id", name="uq_chat_rooms_case_id"),
        UniqueConstraint("session_id", name="uq_chat_rooms_session_id"),
        UniqueConstraint("user_low_id", "user_high_id", name="uq_chat_rooms_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # For a case room, the case's group (kept so room lists filter by group in one query).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentoring_groups.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # Direct rooms: the two people, lower id first.
    user_low_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    user_high_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Session rooms: the session (its audience may span several groups, so no group_id).
    session_id: Mapped[int | None] = mapped_column(ForeignKey("teaching_sessions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    group = relationship("MentoringGroup")
    user_low = relationship("User", foreign_keys=[user_low_id])
    user_high = relationship("User", foreign_keys=[user_high_id])

    @property
    def socket_room(self) -> str:
        return f"chat:{self.id}"

    def other_user(self, user):
        if self.kind != "direct":
            return None
        return self.user_high if user.id == self.user_low_id else self.user_low


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (
        # A resend (lost ack, reconnect) with the same client_id is stored once.
        UniqueConstraint("author_id", "client_id", name="uq_chat_messages_author_client"),
        Index("ix_chat_messages_room_id_id", "room_id", "id"),
        CheckConstraint(f"length(body) <= {MAX_BODY}", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # indexed by the unique pair
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Soft delete: the row stays (ids and receipts stay meaningful), the body is blanked.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    room = relationship(ChatRoom)
    author = relationship("User", lazy="joined")
    attachment = relationship("ChatAttachment", uselist=False, lazy="selectin", back_populates="message")


class ChatAttachment(db.Model):
    """An image sent in a message: decoded and re-encoded by the cases
    domain's pipeline (EXIF and other metadata dropped), stored under a random
    name, served only after the policy says the reader may see the room."""
    __tablename__ = "chat_attachments"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumb_name: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)

    message = relationship(ChatMessage, back_populates="attachment")


class ChatReadState(db.Model):
    """How far a person has read in a room."""
    __tablename__ = "chat_read_states"

    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ChatAcknowledgement(db.Model):
    """One recipient of an urgent message. Until done_at is set (they
    acknowledged, or can no longer see the room) the scheduler reminds them
    whenever due_at has passed, then moves due_at on."""
    __tablename__ = "chat_acknowledgements"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id", name="uq_chat_acknowledgements_message_user"),
        Index("ix_chat_acknowledgements_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)

    message = relationship(ChatMessage)
    user = relationship("User", lazy="joined")
