"""Competencies, the training-hours ledger and certification.

Frameworks (domains -> competencies, four level descriptors each) and
programmes are data: loaded from mentoring/competency/data/ or imported, and
addressed by their codes. A person's hours are TrainingCredit rows, one per
(source kind, source id, person), derived again from their source whenever
it changes, so nothing counts twice and a corrected attendance corrects the
credit. A certificate's renewal warning is a deadline row the scheduler claims."""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db

LEVELS = (1, 2, 3, 4)  # novice, advanced beginner, competent, proficient
EVIDENCE_KINDS = ("case", "session", "observation")
CREDIT_KINDS = ("session", "presentation", "case_answer", "outside_course")
COURSE_STATUSES = ("pending", "approved", "rejected")


class Framework(db.Model):
    __tablename__ = "competency_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    version: Mapped[str] = mapped_column(String(20), default="1")
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # What the framework was modelled on, said plainly (never an official source we did not have).
    basis: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    domains = relationship("CompetencyDomain", order_by="CompetencyDomain.position",
                           cascade="all, delete-orphan", back_populates="framework")


class CompetencyDomain(db.Model):
    __tablename__ = "competency_domains"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_competency_domains_framework_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("competency_frameworks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)

    framework = relationship(Framework, back_populates="domains")
    competencies = relationship("Competency", order_by="Competency.position", back_populates="domain")


class Competency(db.Model):
    """One competency. `levels` holds the four descriptors, [{"vi", "en"}] for
    levels 1-4; `tiers` the codes of the tiers it applies to."""
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("competency_frameworks.id", ondelete="CASCADE"),
                                              index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("competency_domains.id", ondelete="CASCADE"), index=True)
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    levels: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    domain = relationship(CompetencyDomain, back_populates="competencies")
    framework = relationship(Framework, lazy="joined")


class Assessment(db.Model):
    """A rating of a worker on a competency: by a mentor, or by the worker
    (is_self). The current level is the latest mentor rating."""
    __tablename__ = "competency_assessments"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        CheckConstraint("evidence_kind IN ('case', 'session', 'observation')", name="evidence_kind"),
        Index("ix_competency_assessments_user_latest", "user_id", "competency_id", "is_self", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int] = mapped_column(Integer)
    evidence_kind: Mapped[str] = mapped_column(String(20), default="observation")
    evidence_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    assessed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    competency = relationship(Competency, lazy="joined")
    assessor = relationship("User", foreign_keys=[assessor_id], lazy="select")


class TrainingCredit(db.Model):
    """Hours earned from one source by one person. Never typed in by hand:
    derived from attendance, presentations, case answers or an approved
    outside course (ledger.py)."""
    __tablename__ = "training_credits"
    __table_args__ = (
        UniqueConstraint("source_kind", "source_id", "user_id", name="uq_training_credits_source"),
        CheckConstraint("source_kind IN ('session', 'presentation', 'case_answer', 'outside_course')",
                        name="source_kind"),
        CheckConstraint("hours >= 0", name="hours"),
        # A person's credits since a date (progress pages), read from the index alone.
        Index("ix_training_credits_user_earned", "user_id", "earned_at", "source_kind", "hours"),
        # Everyone's credits since a date (the dashboard's last-year pace): an
        # index-only range scan instead of reading the whole ledger.
        Index("ix_training_credits_earned", "earned_at", "user_id", "source_kind", "hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source_kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class OutsideCourse(db.Model):
    """A course taken elsewhere, with its certificate file; counts once a
    coordinator (not the worker) approves it."""
    __tablename__ = "outside_courses"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint("ended_on >= started_on", name="dates"),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')",
                        name="content_type"),
        Index("ix_outside_courses_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(300))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")


class Programme(db.Model):
    """A certification programme. `requirements` and `audience` are data
    (programmes.json): hours in a rolling window with caps per kind,
    competencies at a minimum level, sessions attended, case consultations;
    tiers, group names and province codes."""
    __tablename__ = "certification_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)
    requirements: Mapped[dict] = mapped_column(JSON, default=dict)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    validity_days: Mapped[int] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # The programme whose certificate means "ready for the electronic health record".
    is_ehr: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Certificate(db.Model):
    """Issued when a programme's requirements are met. `code` is the
    unguessable verification code. A revoked certificate blocks automatic
    re-issue until a coordinator records a new decision (cleared_at)."""
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("expires_on > issued_on", name="dates"),
        # One live certificate per person, programme and day: two issuers racing make one row.
        Index("uq_certificates_live", "user_id", "programme_id", "issued_on", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
        Index("ix_certificates_user_programme", "user_id", "programme_id", "expires_on"),
        Index("ix_certificates_programme_expiry", "programme_id", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("certification_programmes.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float, default=0)
    # Open Badges: the recipient's e-mail is published only hashed with this salt.
    badge_salt: Mapped[str] = mapped_column(String(32))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    clear_reason: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    programme = relationship(Programme, lazy="joined")

    def status_on(self, today: date) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "valid" if self.expires_on > today else "expired"


class CertificateDeadline(db.Model):
    """A renewal warning due 60 days before expiry: claimed once by the
    scheduler (FOR UPDATE SKIP LOCKED on PostgreSQL) and marked done."""
    __tablename__ = "certificate_deadlines"
    __table_args__ = (
        UniqueConstraint("certificate_id", "kind", name="uq_certificate_deadlines_certificate_kind"),
        CheckConstraint("kind IN ('renewal_warning')", name="kind"),
        Index("ix_certificate_deadlines_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="renewal_warning")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class EhrRollout(db.Model):
    """A facility's planned switch to the electronic health record."""
    __tablename__ = "ehr_rollouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), unique=True)
    go_live_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    facility = relationship("Facility", lazy="joined")


class EhrRolloutStaff(db.Model):
    """Who must be ready, when a coordinator names them; without any row the
    facility's active health workers must."""
    __tablename__ = "ehr_rollout_staff"
    __table_args__ = (UniqueConstraint("rollout_id", "user_id", name="uq_ehr_rollout_staff_rollout_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("ehr_rollouts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
