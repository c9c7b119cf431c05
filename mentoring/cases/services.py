"""The rules of case consultations. Every door (pages, API, scheduler) calls
these; they flush, the door commits once.

Routing: a sent case is offered to the group's current members one tier above
the asker (commune -> district -> provincial -> central). A tier with nobody
in the group is skipped. An emergency goes straight to the central doctor.
Each tier has a time limit by urgency; when it passes without an answer, the
escalation timer (a row) moves the case one tier up, through the same
`escalate_case` as the button."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update

from mentoring import clock, signals
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.cases import deident, icd
from mentoring.cases.models import (PREGNANCY, SEXES, URGENCIES, URGENCY_RANK, VITALS, Case, CaseDiagnosis,
                                    CaseEvent, CaseReply, CaseTimer, TeachingNomination)
from mentoring.errors import Conflict, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind
from mentoring.org.models import GroupMembership, MentoringGroup
from mentoring.org.services import tiers_above

DEFAULT_LIMIT_MINUTES = {"routine": 48 * 60, "urgent": 4 * 60, "emergency": 30}
OUTCOME_REMINDER_DAYS = (7, 30)

# (low, high) for each vital sign; units: mmHg, /min, °C, %, /min, mmol/L, kg, cm.
VITAL_RANGES = {"systolic": (50, 300), "diastolic": (20, 200), "pulse": (20, 250),
                "temperature": (30.0, 45.0), "spo2": (50, 100), "resp_rate": (4, 80),
                "glucose": (1.0, 50.0), "weight": (0.3, 350.0), "height": (20.0, 250.0)}
TEXT_LIMITS = {"complaint": 2000, "history": 8000, "examination": 8000, "question": 4000}

register_kind("case.new", _l("New case: %(complaint)s"))
register_kind("case.escalated", _l("Case escalated to you: %(complaint)s"))
register_kind("case.emergency", _l("Emergency: refer the patient in person now, do not wait "
                                   "for an answer. Case: %(complaint)s"))
register_kind("case.reply", _l("New reply on the case: %(complaint)s"))
register_kind("case.asked_again", _l("The asker needs more help: %(complaint)s"))
register_kind("case.outcome_reminder", _l("How did the patient do? Record the outcome: %(complaint)s"))
register_kind("case.outcome", _l("Outcome recorded for a case you answered: %(complaint)s"))

FIELDS_MSG = _l("Please correct the marked fields.")


def limit_for(urgency: str) -> timedelta:
    configured = current_app.config.get("MENTORING_CASE_LIMIT_MINUTES") or {}
    return timedelta(minutes=int(configured.get(urgency, DEFAULT_LIMIT_MINUTES[urgency])))


def _link(case: Case) -> str:
    return f"/cases/{case.id}"


def _params(case: Case) -> dict:
    text = case.complaint or ""
    return {"complaint": text if len(text) <= 80 else text[:77] + "...", "case_id": case.id}


def log_event(case: Case, user: User | None, action: str, **detail) -> None:
    db.session.add(CaseEvent(case_id=case.id, user_id=user.id if user else None, action=action,
                             detail=detail, created_at=clock.now()))


# --- input ------------------------------------------------------------------

def clean_input(data: dict, *, sending: bool) -> dict:
    """Check a case's fields (the same for API and form). Raises with one
    message per field; returns the values to store."""
    errors: dict = {}
    out: dict = {}
    years, months = data.get("age_years"), data.get("age_months")
    if (years is None) == (months is None):
        errors["age_years"] = _("Give the age in years, or in months for a child under 2.")
    elif years is not None and not 2 <= years <= 120:
        errors["age_years"] = (_("For a child under 2, give the age in months.") if 0 <= years < 2
                               else _("Age must be between 2 and 120 years."))
    elif months is not None and not 0 <= months <= 23:
        errors["age_months"] = _("Age in months must be between 0 and 23; older children in years.")
    out["age_years"], out["age_months"] = years, months
    sex = data.get("sex")
    if sex not in SEXES:
        errors["sex"] = _("Choose female, male or other.")
    out["sex"] = sex
    pregnancy = data.get("pregnancy") or (
        "unknown" if sex in ("female", "other") and years is not None and 10 <= years <= 55
        else "not_applicable")
    if pregnancy not in PREGNANCY:
        errors["pregnancy"] = _("Choose a pregnancy status.")
    elif pregnancy == "pregnant" and (sex == "male" or years is None or years < 10):
        errors["pregnancy"] = _("Pregnancy does not fit this patient's sex and age.")
    out["pregnancy"] = pregnancy
    urgency = data.get("urgency") or "routine"
    if urgency not in URGENCIES:
        errors["urgency"] = _("Choose routine, urgent or emergency.")
    out["urgency"] = urgency

    for name, limit in TEXT_LIMITS.items():
        text = (data.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
        out[name] = text
    if sending and not out["complaint"]:
        errors["complaint"] = _("Describe the presenting complaint.")
    if sending and not out["question"]:
        errors["question"] = _("Write the question you want answered.")
    for name, message in deident.check_fields({k: out[k] for k in TEXT_LIMITS}).items():
        errors[name] = message

    vitals = data.get("vitals") or {}
    for name in VITALS:
        value = vitals.get(name)
        out[name] = value
        if value is None:
            continue
        low, high = VITAL_RANGES[name]
        if not low <= value <= high:
            errors[f"vitals.{name}"] = _("Must be between %(low)s and %(high)s.", low=low, high=high)
    if out["systolic"] is not None and out["diastolic"] is not None \
            and out["diastolic"] >= out["systolic"] and "vitals.diastolic" not in errors:
        errors["vitals.diastolic"] = _("Diastolic pressure must be below systolic.")

    codes, bad = [], []
    for raw in data.get("icd10") or []:
        code = (raw or "").strip().upper()
        if not code:
            continue
        if icd.is_code(code):
            code = icd.normalise(code)
            if code not in codes:
                codes.append(code)
        else:
            bad.append(code)
    if bad:
        errors["icd10"] = _("Unknown ICD-10 code: %(codes)s. Search by code or words.",
                            codes=", ".join(bad))
    out["icd10"] = codes
    consent = bool(data.get("patient_consent"))
    if sending and not consent:
        errors["patient_consent"] = _("Confirm that the patient agreed to this consultation.")
    out["patient_consent"] = consent
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    return out


def _apply(case: Case, values: dict) -> None:
    for name in ("age_years", "age_months", "sex", "pregnancy", "urgency", *TEXT_LIMITS, *VITALS):
        setattr(case, name, values[name])
    case.urgency_rank = URGENCY_RANK[case.urgency]
    if values["patient_consent"] and not case.patient_consent:
        case.consent_at = clock.now()
    case.patient_consent = values["patient_consent"]
    case.search_text = icd.fold(" ".join(values[k] for k in TEXT_LIMITS if values[k]))
    # Keep rows whose code stays: deleting and re-inserting the same code in
    # one flush would trip the (case, code) unique constraint.
    existing = {d.code: d for d in case.diagnoses}
    kept = []
    for i, code in enumerate(values["icd10"]):
        row = existing.get(code) or CaseDiagnosis(code=code, chapter=icd.chapter_of(code))
        row.position = i
        kept.append(row)
    case.diagnoses = kept
    case.updated_at = clock.now()


# --- create, edit, send -----------------------------------------------------

def create_case(asker: User, group: MentoringGroup | None, data: dict, *, draft: bool = False) -> Case:
    if group is None:
        raise ValidationFailed(str(FIELDS_MSG), fields={"group_id": _("Choose your group.")})
    tier = policy.tier_in_group(asker, group.id)
    if tier is None or tier == "central":
        raise ValidationFailed(str(FIELDS_MSG), fields={
            "group_id": _("You can ask in a group where you are a health worker.")})
    values = clean_input(data, sending=not draft)
    facility = asker.facility
    case = Case(group_id=group.id, asker_id=asker.id, asker_tier_code=tier, status="draft",
                facility_id=facility.id if facility else None,
                province_code=facility.province_code if facility else None,
                created_at=clock.now())
    _apply(case, values)
    db.session.add(case)
    db.session.flush()
    log_event(case, asker, "created")
    if not draft:
        send_case(case, asker)
    db.session.flush()
    return case


def update_draft(case: Case, user: User, data: dict, *, send: bool = False) -> Case:
    if case.status != "draft":
        raise Conflict(_("This case has been sent; it can no longer be edited."))
    _apply(case, clean_input(data, sending=send))
    log_event(case, user, "edited")
    if send:
        send_case(case, user)
    db.session.flush()
    return case


def send_case(case: Case, user: User) -> Case:
    if case.status != "draft":
        raise Conflict(_("This case has already been sent."))
    if not case.patient_consent:
        raise ValidationFailed(str(FIELDS_MSG), fields={
            "patient_consent": _("Confirm that the patient agreed to this consultation.")})
    if not case.complaint or not case.question:
        raise ValidationFailed(str(FIELDS_MSG), fields={
            k: _("This field is required.") for k in ("complaint", "question") if not getattr(case, k)})
    now = clock.now()
    case.status, case.sent_at = "open", now
    tier = "central" if case.urgency == "emergency" else next_tier(case.group_id, case.asker_tier_code)
    case.first_tier_code = tier
    _offer(case, tier)
    log_event(case, user, "sent", tier=tier, urgency=case.urgency)
    notify(offered_to(case), "case.new", _params(case), _link(case))
    if case.urgency == "emergency":
        notify([case.asker], "case.emergency", _params(case), _link(case))
    db.session.flush()
    return case


def next_tier(group_id: int, from_tier: str) -> str:
    """The lowest tier above `from_tier` with a current member in the group;
    the central doctor when nobody is in between."""
    present = set(db.session.execute(select(GroupMembership.tier_code).where(
        GroupMembership.group_id == group_id, GroupMembership.left_on.is_(None))).scalars())
    for tier in tiers_above(from_tier):
        if tier in present:
            return tier
    return "central"


def _offer(case: Case, tier: str) -> None:
    """Offer the case to a tier and start that tier's clock (none above central)."""
    now = clock.now()
    _cancel_timers(case, "escalation")
    case.current_tier_code = tier
    case.due_at = now + limit_for(case.urgency)
    if tier != "central":
        db.session.add(CaseTimer(case_id=case.id, kind="escalation", tier_code=tier,
                                 due_at=case.due_at, created_at=now))


def _cancel_timers(case: Case, kind: str) -> None:
    db.session.execute(update(CaseTimer).where(
        CaseTimer.case_id == case.id, CaseTimer.kind == kind, CaseTimer.done_at.is_(None)
    ).values(done_at=clock.now()))


def offered_to(case: Case) -> list[User]:
    """The group's current members at the tier the case waits on."""
    return list(db.session.execute(select(User).join(GroupMembership, and_(
        GroupMembership.user_id == User.id, GroupMembership.group_id == case.group_id,
        GroupMembership.tier_code == case.current_tier_code, GroupMembership.left_on.is_(None))
    ).order_by(User.id)).unique().scalars())


# --- escalation -------------------------------------------------------------

def escalate_case(case: Case, by: User | None = None, reason: str | None = None) -> Case:
    """One tier up: by a mentor's button (by=user) or when the deadline passed (by=None)."""
    if case.status not in ("open", "answered"):
        raise Conflict(_("Only an open case can be escalated."))
    if case.current_tier_code == "central":
        raise Conflict(_("This case is already with the central doctor."))
    if reason and (message := deident.identifier_in(reason)):
        raise ValidationFailed(message, fields={"reason": message})
    from_tier = case.current_tier_code
    to_tier = next_tier(case.group_id, from_tier)
    case.status = "open"
    case.claimed_by_id = case.claimed_at = None
    _offer(case, to_tier)
    log_event(case, by, "escalated", from_tier=from_tier, to_tier=to_tier,
              automatic=by is None, reason=reason or None)
    notify(offered_to(case), "case.escalated", _params(case), _link(case))
    db.session.flush()
    return case


def _claim_due(kind: str, limit: int) -> list[CaseTimer]:
    stmt = (select(CaseTimer).where(CaseTimer.kind == kind, CaseTimer.done_at.is_(None),
                                    CaseTimer.due_at <= clock.now())
            .order_by(CaseTimer.due_at, CaseTimer.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    timers = list(db.session.execute(stmt).scalars())
    for timer in timers:
        timer.done_at = clock.now()  # claimed and done in this same transaction
    db.session.flush()
    return timers


def run_due_escalations(limit: int = 200) -> int:
    done = 0
    for timer in _claim_due("escalation", limit):
        case = db.session.get(Case, timer.case_id)
        # Answered, closed or moved by hand since the timer was set: nothing to do.
        if case.status == "open" and case.current_tier_code == timer.tier_code \
                and (case.last_answer_at is None or case.last_answer_at < timer.created_at):
            escalate_case(case, by=None)
            done += 1
    return done


def run_due_outcome_reminders(limit: int = 200) -> int:
    sent = 0
    for timer in _claim_due("outcome_reminder", limit):
        case = db.session.get(Case, timer.case_id)
        recent = case.outcome_at is not None and \
            case.outcome_at >= timer.due_at - timedelta(days=max(1, (timer.days or 7) // 2))
        if case.status in ("answered", "closed") and not recent:
            notify([case.asker], "case.outcome_reminder", {**_params(case), "days": timer.days},
                   _link(case))
            log_event(case, None, "outcome_reminder", days=timer.days)
            sent += 1
    return sent


# --- answers ----------------------------------------------------------------

def add_reply(case: Case, user: User, body: str, *, recommendation: bool = False,
              parent_id: int | None = None) -> CaseReply:
    if case.status == "closed":
        raise Conflict(_("This case is closed; replies are no longer accepted."))
    if case.status == "draft":
        raise Conflict(_("This case has not been sent yet."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(str(FIELDS_MSG), fields={"body": _("Write your reply.")})
    if len(body) > 8000:
        raise ValidationFailed(str(FIELDS_MSG), fields={"body": _("At most %(n)d characters.", n=8000)})
    if message := deident.identifier_in(body):
        raise ValidationFailed(message, fields={"body": message})
    if parent_id is not None and db.session.execute(select(CaseReply.id).where(
            CaseReply.id == parent_id, CaseReply.case_id == case.id)).first() is None:
        raise ValidationFailed(str(FIELDS_MSG), fields={"parent_id": _("No such reply in this case.")})
    is_answer = user.id != case.asker_id
    if recommendation and not is_answer:
        raise ValidationFailed(str(FIELDS_MSG), fields={
            "recommendation": _("Only a mentor's reply can be the recommendation.")})
    now = clock.now()
    tier = policy.tier_in_group(user, case.group_id)
    reply = CaseReply(case_id=case.id, author_id=user.id, parent_id=parent_id, body=body,
                      author_tier_code=tier, created_at=now)
    db.session.add(reply)
    db.session.flush()
    if recommendation:
        _set_recommendation(case, reply)
    if is_answer:
        if case.first_answer_at is None:
            case.first_answer_at, case.first_answer_tier_code = now, tier
        case.last_answer_at = now
        _cancel_timers(case, "escalation")  # somebody answered: the clock stops
        notify([case.asker], "case.reply", _params(case), _link(case))
        signals.case_answered.send(case.id, user_id=user.id)
    else:
        notify(answerers(case), "case.reply", _params(case), _link(case))
    log_event(case, user, "replied", reply_id=reply.id, recommendation=recommendation)
    db.session.flush()
    return reply


def _set_recommendation(case: Case, reply: CaseReply) -> None:
    db.session.execute(update(CaseReply).where(CaseReply.case_id == case.id, CaseReply.id != reply.id)
                       .values(is_recommendation=False))
    reply.is_recommendation = True


def mark_recommendation(case: Case, user: User, reply_id: int) -> CaseReply:
    reply = db.session.get(CaseReply, reply_id)
    if reply is None or reply.case_id != case.id:
        raise NotFound(_("No such reply in this case."))
    if reply.author_id == case.asker_id:
        raise Conflict(_("Only a mentor's reply can be the recommendation."))
    _set_recommendation(case, reply)
    log_event(case, user, "recommended", reply_id=reply.id)
    db.session.flush()
    return reply


def answerers(case: Case) -> list[User]:
    """Those who answered (replied, not the asker)."""
    return list(db.session.execute(select(User).where(User.id.in_(
        select(CaseReply.author_id).where(CaseReply.case_id == case.id,
                                          CaseReply.author_id != case.asker_id))
    ).order_by(User.id)).unique().scalars())


def mark_answered(case: Case, user: User) -> Case:
    if case.status != "open":
        raise Conflict(_("Only an open case can be marked answered."))
    if case.first_answer_at is None:
        raise Conflict(_("Nobody has answered yet."))
    now = clock.now()
    case.status, case.answered_at = "answered", now
    case.due_at = None
    _cancel_timers(case, "escalation")
    _cancel_timers(case, "outcome_reminder")
    for days in OUTCOME_REMINDER_DAYS:
        db.session.add(CaseTimer(case_id=case.id, kind="outcome_reminder", days=days,
                                 due_at=now + timedelta(days=days), created_at=now))
    log_event(case, user, "marked_answered")
    db.session.flush()
    return case


def ask_again(case: Case, user: User, body: str) -> CaseReply:
    """The answer did not settle it: a follow-up question, and the tier's clock restarts."""
    if case.status not in ("open", "answered"):
        raise Conflict(_("Only an open or answered case can be asked again."))
    reply = add_reply(case, user, body)
    case.status, case.answered_at = "open", None
    _cancel_timers(case, "outcome_reminder")
    _offer(case, case.current_tier_code)
    log_event(case, user, "asked_again")
    notify([*offered_to(case), *answerers(case)], "case.asked_again", _params(case), _link(case))
    db.session.flush()
    return reply


def claim_case(case: Case, user: User, *, release: bool = False) -> Case:
    if case.status in ("draft", "closed"):
        raise Conflict(_("Only an open case can be claimed."))
    if release:
        if case.claimed_by_id == user.id:
            case.claimed_by_id = case.claimed_at = None
            log_event(case, user, "released")
    else:
        if case.claimed_by_id not in (None, user.id):
            raise Conflict(_("Another mentor is already handling this case."))
        case.claimed_by_id, case.claimed_at = user.id, clock.now()
        log_event(case, user, "claimed")
    db.session.flush()
    return case


def record_outcome(case: Case, user: User, outcome: str, *, close: bool = True) -> Case:
    """Closing records how the patient did; later outcomes update it. The
    mentors who answered are told."""
    if case.status == "draft":
        raise Conflict(_("This case has not been sent yet."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed(str(FIELDS_MSG), fields={"outcome": _("Record how the patient did.")})
    if len(outcome) > 4000:
        raise ValidationFailed(str(FIELDS_MSG), fields={"outcome": _("At most %(n)d characters.", n=4000)})
    if message := deident.identifier_in(outcome):
        raise ValidationFailed(message, fields={"outcome": message})
    now = clock.now()
    case.outcome, case.outcome_at = outcome, now
    if close and case.status != "closed":
        case.status, case.closed_at, case.due_at = "closed", now, None
        case.claimed_by_id = case.claimed_at = None
        _cancel_timers(case, "escalation")
        log_event(case, user, "closed")
    else:
        log_event(case, user, "outcome")
    notify([u for u in answerers(case) if u.id != user.id], "case.outcome", _params(case), _link(case))
    db.session.flush()
    return case


def close_case(case: Case, user: User, outcome: str) -> Case:
    if case.status == "closed":
        raise Conflict(_("This case is already closed."))
    return record_outcome(case, user, outcome, close=True)


def nominate_for_teaching(case: Case, user: User, note: str | None = None) -> TeachingNomination:
    if case.status != "closed":
        raise Conflict(_("Only a closed case can be nominated for teaching."))
    if note and (message := deident.identifier_in(note)):
        raise ValidationFailed(message, fields={"note": message})
    found = db.session.execute(select(TeachingNomination).where(
        TeachingNomination.case_id == case.id)).unique().scalar_one_or_none()
    if found is not None:
        raise Conflict(_("This case is already nominated for teaching."))
    nomination = TeachingNomination(case_id=case.id, nominated_by_id=user.id,
                                    note=(note or "").strip() or None, created_at=clock.now())
    db.session.add(nomination)
    log_event(case, user, "nominated")
    db.session.flush()
    return nomination


def record_view(case: Case, user: User) -> None:
    """Audit who read the case; one row per person per hour is enough."""
    since = clock.now() - timedelta(hours=1)
    seen = db.session.execute(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.user_id == user.id, CaseEvent.action == "viewed",
        CaseEvent.created_at >= since).limit(1)).first()
    if seen is None:
        log_event(case, user, "viewed")
        db.session.flush()
