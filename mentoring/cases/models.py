"""Case consultations: a de-identified patient, a question, the replies, and
the timers (escalation deadlines, outcome reminders) that the scheduler claims."""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, SmallInteger,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentoring import clock
from mentoring.db_types import UTCDateTime
from mentoring.extensions import db

STATUSES = ("draft", "open", "answered", "closed")
URGENCIES = ("routine", "urgent", "emergency")
SEXES = ("female", "male", "other")
PREGNANCY = ("unknown", "not_pregnant", "pregnant", "not_applicable")
VITALS = ("systolic", "diastolic", "pulse", "temperature", "spo2", "resp_rate", "glucose",
          "weight", "height")
TIMER_KINDS = ("escalation", "outcome_reminder")
# What became of the patient (coded; the free text stays beside it).
OUTCOMES = ("managed_at_station", "referred", "died", "lost_to_follow_up", "unknown")
# Chronic conditions with a structured follow-up section.
NCD_KINDS = ("hypertension", "diabetes")
ADHERENCE = ("good", "partial", "poor", "unknown")
OVERRIDE_REVIEWS = ("cleared", "withheld")

# Sort order for the inbox: most urgent first.
URGENCY_RANK = {"emergency": 0, "urgent": 1, "routine": 2}


class Case(db.Model):
    """One question about one patient. There is deliberately no field for the
    patient's name or any other identifier."""
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'answered', 'closed')", name="status"),
        CheckConstraint("urgency IN ('routine', 'urgent', 'emergency')", name="urgency"),
        CheckConstraint("sex IN ('female', 'male', 'other')", name="sex"),
        CheckConstraint("pregnancy IN ('unknown', 'not_pregnant', 'pregnant', 'not_applicable')",
                        name="pregnancy"),
        # A draft may lack the age and sex; a sent case has exactly one age and a sex.
        CheckConstraint("age_years IS NULL OR age_months IS NULL", name="one_age"),
        CheckConstraint("status = 'draft' OR ((age_years IS NULL) <> (age_months IS NULL) "
                        "AND sex IS NOT NULL)", name="patient_when_sent"),
        CheckConstraint("status = 'draft' OR patient_consent", name="consent_to_send"),
        CheckConstraint("outcome_code IN ('managed_at_station', 'referred', 'died', 'lost_to_follow_up', "
                        "'unknown')", name="outcome_code"),
        CheckConstraint("outcome_code = 'referred' OR referred_tier_code IS NULL", name="referred_tier"),
        CheckConstraint("ncd_kind IN ('hypertension', 'diabetes')", name="ncd_kind"),
        CheckConstraint("adherence IN ('good', 'partial', 'poor', 'unknown')", name="adherence"),
        CheckConstraint("override_review IN ('cleared', 'withheld')", name="override_review"),
        # The inbox: open cases of a group waiting at a tier, by urgency and deadline.
        Index("ix_cases_inbox", "group_id", "current_tier_code", "status", "urgency_rank", "due_at"),
        # A group's cases, newest first (lists and search).
        Index("ix_cases_group_recent", "group_id", "id"),
        Index("ix_cases_status_sent", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id"))
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    # Copied from the facility so search and the report filter without a join.
    province_code: Mapped[int | None] = mapped_column(ForeignKey("provinces.code"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    urgency: Mapped[str] = mapped_column(String(10), default="routine")
    # 0 emergency, 1 urgent, 2 routine: the inbox sorts on it through ix_cases_inbox.
    urgency_rank: Mapped[int] = mapped_column(SmallInteger, default=2)

    # The patient, de-identified.
    age_years: Mapped[int | None] = mapped_column(Integer)
    age_months: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(10))
    pregnancy: Mapped[str] = mapped_column(String(16), default="unknown")
    complaint: Mapped[str] = mapped_column(Text)
    history: Mapped[str | None] = mapped_column(Text)
    examination: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    # Casefolded, accent-free complaint + question + history, for word search
    # that behaves the same on SQLite (ASCII-only lower()) and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")

    systolic: Mapped[int | None] = mapped_column(Integer)
    diastolic: Mapped[int | None] = mapped_column(Integer)
    pulse: Mapped[int | None] = mapped_column(Integer)
    temperature: Mapped[float | None] = mapped_column(Float)
    spo2: Mapped[int | None] = mapped_column(Integer)
    resp_rate: Mapped[int | None] = mapped_column(Integer)
    glucose: Mapped[float | None] = mapped_column(Float)   # mmol/L
    weight: Mapped[float | None] = mapped_column(Float)    # kg
    height: Mapped[float | None] = mapped_column(Float)    # cm

    # Personal Data Protection Law 91/2025: the patient agreed, and when we were told.
    patient_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Routing: the asker's tier in the group, the tier first asked, the tier asked now.
    asker_tier_code: Mapped[str] = mapped_column(ForeignKey("tiers.code"))
    first_tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))
    current_tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the current tier's deadline
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answer_tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))
    last_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The asker's confirmation that the question is answered (the status does not wait for it).
    answer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Coded outcome: the report counts how many ended managed at the station, per province and tier.
    outcome_code: Mapped[str | None] = mapped_column(String(20))
    referred_tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))
    # A mentor closing a stale case says why (the outcome stays the asker's to record).
    close_reason: Mapped[str | None] = mapped_column(Text)

    # NCD follow-up: a structured section for hypertension and type 2 diabetes.
    ncd_kind: Mapped[str | None] = mapped_column(String(12))
    adherence: Mapped[str | None] = mapped_column(String(10))
    complications_screened: Mapped[list | None] = mapped_column(JSON)
    # The asker's own earlier case about the same patient (never someone else's).
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)

    # A suspected name or address the asker kept, with their reason: the case
    # stays out of the library until a mentor reviews it.
    identifier_override_reason: Mapped[str | None] = mapped_column(Text)
    identifier_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identifier_override_kinds: Mapped[list | None] = mapped_column(JSON)
    override_review: Mapped[str | None] = mapped_column(String(10))
    override_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    override_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    asker = relationship("User", foreign_keys=[asker_id], lazy="select")
    claimed_by = relationship("User", foreign_keys=[claimed_by_id], lazy="select")
    facility = relationship("Facility", lazy="select")
    group = relationship("MentoringGroup", lazy="select")
    diagnoses = relationship("CaseDiagnosis", order_by="CaseDiagnosis.position",
                             cascade="all, delete-orphan", lazy="selectin")
    readings = relationship("CaseReading", order_by="CaseReading.position",
                            cascade="all, delete-orphan", lazy="select")
    medications = relationship("CaseMedication", order_by="CaseMedication.position",
                               cascade="all, delete-orphan", lazy="select")
    follow_up_of = relationship("Case", remote_side=[id], lazy="select")

    @property
    def awaiting_review(self) -> bool:
        """An identifier warning was overridden and no mentor has cleared it yet."""
        return self.identifier_override_at is not None and self.override_review != "cleared"

    @property
    def icd10(self) -> list[str]:
        return [d.code for d in self.diagnoses]

    @property
    def vitals(self) -> dict:
        return {name: getattr(self, name) for name in VITALS if getattr(self, name) is not None}


class CaseDiagnosis(db.Model):
    """A working diagnosis as a WHO ICD-10 code; the chapter is kept for filtering."""
    __tablename__ = "case_diagnoses"
    __table_args__ = (UniqueConstraint("case_id", "code", name="uq_case_diagnoses_case_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    chapter: Mapped[str] = mapped_column(String(6), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CaseReading(db.Model):
    """One dated set of readings in an NCD follow-up (blood pressure at the
    station or at home, fasting glucose, HbA1c, weight)."""
    __tablename__ = "case_readings"
    __table_args__ = (
        CheckConstraint("systolic IS NOT NULL OR diastolic IS NOT NULL OR pulse IS NOT NULL OR "
                        "glucose IS NOT NULL OR hba1c IS NOT NULL OR weight IS NOT NULL", name="some_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    taken_on: Mapped[date] = mapped_column(Date)
    systolic: Mapped[int | None] = mapped_column(Integer)
    diastolic: Mapped[int | None] = mapped_column(Integer)
    pulse: Mapped[int | None] = mapped_column(Integer)
    glucose: Mapped[float | None] = mapped_column(Float)   # fasting, mmol/L
    hba1c: Mapped[float | None] = mapped_column(Float)     # %
    weight: Mapped[float | None] = mapped_column(Float)    # kg


class CaseMedication(db.Model):
    """A drug the patient takes now, as the asker writes it (name, dose, how often)."""
    __tablename__ = "case_medications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    dose: Mapped[str | None] = mapped_column(String(60))
    frequency: Mapped[str | None] = mapped_column(String(60))


class CaseReply(db.Model):
    __tablename__ = "case_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("case_replies.id"))
    body: Mapped[str] = mapped_column(Text)
    is_recommendation: Mapped[bool] = mapped_column(Boolean, default=False)
    # The author's tier in the group when they wrote it (the report counts by tier).
    author_tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author = relationship("User", lazy="joined")


class CaseAttachment(db.Model):
    """An image (re-encoded, metadata stripped) or a PDF, under instance/uploads/
    with a random name. The uploaded file name is not kept: it often holds a name."""
    __tablename__ = "case_attachments"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp', "
                        "'application/pdf')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(40))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumb_name: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CaseTimer(db.Model):
    """Something that must happen at a time: an escalation deadline or an
    outcome reminder. The scheduler claims due rows and sets done_at in the
    same transaction, so a job that runs twice acts once."""
    __tablename__ = "case_timers"
    __table_args__ = (
        CheckConstraint("kind IN ('escalation', 'outcome_reminder')", name="kind"),
        Index("ix_case_timers_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))  # escalation: the tier waited on
    days: Mapped[int | None] = mapped_column(Integer)  # outcome reminder: 7 or 30
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseEvent(db.Model):
    """The audit trail: who created, viewed, replied, escalated, closed, when.
    user_id is empty when the scheduler acted."""
    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_time", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User", lazy="joined")


class TeachingNomination(db.Model):
    """A closed case proposed for a teaching session (sessions come later)."""
    __tablename__ = "case_teaching_nominations"
    __table_args__ = (UniqueConstraint("case_id", name="uq_case_teaching_nominations_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    nominated_by = relationship("User", lazy="joined")
