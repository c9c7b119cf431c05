"""The rules of case consultations. Every door (pages, API, scheduler) calls
these; they flush, the door commits once.

Routing: a sent case is offered to the group's current members one tier above
the asker (commune -> district -> provincial -> central). A tier with nobody
in the group is skipped. An emergency goes straight to the central doctor.
Each tier has a time limit by urgency and tier; when it passes without an
answer, the escalation timer (a row) moves the case one tier up, through the
same `escalate_case` as the button.

Status says what happened: "open" while waiting, "answered" as soon as
someone above the asker replies (the asker's confirmation closes the loop
but is not needed), "closed" once the outcome is recorded or a mentor
closes a stale case. Outcomes and closing live in cases.outcomes; the
fields a case is made of in cases.intake."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update
from sqlalchemy.orm import lazyload

from mentoring import clock, deadlines, signals
from mentoring.audit.services import record as audit_record
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.cases import deident, intake
from mentoring.cases.intake import FIELDS_MSG
from mentoring.cases.models import Case, CaseEvent, CaseReply, CaseTimer
from mentoring.errors import Conflict, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind
from mentoring.org.models import GroupMembership, MentoringGroup
from mentoring.org.services import tier_codes, tiers_above

DEFAULT_LIMIT_MINUTES = {"routine": 48 * 60, "urgent": 4 * 60, "emergency": 30}
OUTCOME_REMINDER_DAYS = (7, 30)
REPLY_LIMIT = 8000

register_kind("case.new", _l("New case: %(complaint)s"))
register_kind("case.escalated", _l("Case escalated to you: %(complaint)s"))
register_kind("case.emergency", _l("Emergency: refer the patient in person now, do not wait "
                                   "for an answer. Case: %(complaint)s"))
register_kind("case.reply", _l("New reply on the case: %(complaint)s"))
register_kind("case.asked_again", _l("The asker needs more help: %(complaint)s"))
register_kind("case.outcome_reminder", _l("How did the patient do? Record the outcome: %(complaint)s"))
register_kind("case.outcome", _l("Outcome recorded for a case you answered: %(complaint)s"))


def limit_for(urgency: str, tier: str | None = None) -> timedelta:
    """How long a tier has to answer. MENTORING_CASE_LIMIT_MINUTES maps each
    urgency to minutes, or to {tier: minutes}; a tier not listed keeps the
    urgency's default."""
    configured = (current_app.config.get("MENTORING_CASE_LIMIT_MINUTES") or {}).get(urgency)
    if isinstance(configured, dict):
        minutes = configured.get(tier) if tier is not None else None
        if minutes is None:
            minutes = configured.get("default", DEFAULT_LIMIT_MINUTES[urgency])
    else:
        minutes = DEFAULT_LIMIT_MINUTES[urgency] if configured is None else configured
    return timedelta(minutes=int(minutes))


def limits_by_tier() -> list[tuple[str, dict[str, timedelta]]]:
    """(tier, {urgency: limit}) for every tier a case can wait at, top first
    (every tier but the lowest), in the order of the tiers table."""
    from mentoring.cases.models import URGENCIES
    return [(tier, {u: limit_for(u, tier) for u in URGENCIES}) for tier in tier_codes()[:-1]]


def _link(case: Case) -> str:
    return f"/cases/{case.id}"


def _params(case: Case) -> dict:
    text = case.complaint or ""
    return {"complaint": text if len(text) <= 80 else text[:77] + "...", "case_id": case.id}


def log_event(case: Case, user: User | None, action: str, **detail) -> None:
    db.session.add(CaseEvent(case_id=case.id, user_id=user.id if user else None, action=action,
                             detail=detail, created_at=clock.now()))


# --- create, edit, send -----------------------------------------------------

def create_case(asker: User, group: MentoringGroup | None, data: dict, *, draft: bool = False) -> Case:
    if group is None:
        raise ValidationFailed(str(FIELDS_MSG), fields={"group_id": _("Choose your group.")})
    tier = policy.tier_in_group(asker, group.id)
    if tier is None or tier == "central":
        raise ValidationFailed(str(FIELDS_MSG), fields={
            "group_id": _("You can ask in a group where you are a health worker.")})
    values = intake.clean_input(data, sending=not draft, asker=asker)
    facility = asker.facility
    case = Case(group_id=group.id, asker_id=asker.id, asker_tier_code=tier, status="draft",
                facility_id=facility.id if facility else None,
                province_code=facility.province_code if facility else None,
                created_at=clock.now())
    intake.apply(case, values)
    db.session.add(case)
    db.session.flush()
    log_event(case, asker, "created")
    if values.get("override"):
        log_event(case, asker, "identifier_override", kinds=values["override"]["kinds"])
    if not draft:
        send_case(case, asker, recheck=False)
    db.session.flush()
    return case


def update_draft(case: Case, user: User, data: dict, *, send: bool = False) -> Case:
    if case.status != "draft":
        raise Conflict(_("This case has been sent; it can no longer be edited."))
    values = intake.clean_input(data, sending=send, asker=user, case=case)
    intake.apply(case, values)
    log_event(case, user, "edited")
    if values.get("override"):
        log_event(case, user, "identifier_override", kinds=values["override"]["kinds"])
    if send:
        send_case(case, user, recheck=False)
    db.session.flush()
    return case


def send_case(case: Case, user: User, *, override_reason: str | None = None, recheck: bool = True) -> Case:
    """Send a draft. Its fields are checked again as a sent case needs them
    (with the asker's reason, when a name or address warning stands), unless
    the caller has just checked them so (recheck=False)."""
    if case.status != "draft":
        raise Conflict(_("This case has already been sent."))
    if recheck:
        data = _as_input(case)
        if override_reason:
            data[intake.OVERRIDE_FIELD] = override_reason
        values = intake.clean_input(data, sending=True, asker=case.asker, case=case)
        if values.get("override") and values["override"]["reason"] != case.identifier_override_reason:
            intake.record_override(case, values["override"])
            log_event(case, user, "identifier_override", kinds=values["override"]["kinds"])
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


def _as_input(case: Case) -> dict:
    """A stored draft in the shape intake takes (to check it before sending).
    An override already given stands: its reason is on the case."""
    from mentoring.cases.models import VITALS
    data = {k: getattr(case, k) for k in ("age_years", "age_months", "sex", "pregnancy", "urgency",
                                          *intake.TEXT_LIMITS, "patient_consent")}
    data["vitals"] = {k: getattr(case, k) for k in VITALS}
    data["icd10"] = case.icd10
    data["follow_up_of"] = case.follow_up_of_id
    data["ncd"] = {"kind": case.ncd_kind, "adherence": case.adherence,
                   "complications_screened": case.complications_screened or [],
                   "readings": [{k: getattr(r, k) for k in ("taken_on", "systolic", "diastolic", "pulse",
                                                             "glucose", "hba1c", "weight")} for r in case.readings],
                   "medications": [{"name": m.name, "dose": m.dose, "frequency": m.frequency}
                                   for m in case.medications]}
    data[intake.OVERRIDE_FIELD] = case.identifier_override_reason
    return data


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
    case.due_at = now + limit_for(case.urgency, tier)
    if tier != "central":
        db.session.add(CaseTimer(case_id=case.id, kind="escalation", tier_code=tier,
                                 due_at=case.due_at, created_at=now))


def _cancel_timers(case: Case, kind: str) -> None:
    db.session.execute(update(CaseTimer).where(
        CaseTimer.case_id == case.id, CaseTimer.kind == kind, CaseTimer.done_at.is_(None)
    ).values(done_at=clock.now()))


def offered_to(case: Case) -> list[User]:
    """The group's current members at the tier the case waits on (their
    names and addresses: not each account's joined tier and facility)."""
    return list(db.session.execute(select(User).join(GroupMembership, and_(
        GroupMembership.user_id == User.id, GroupMembership.group_id == case.group_id,
        GroupMembership.tier_code == case.current_tier_code, GroupMembership.left_on.is_(None))
    ).options(lazyload(User.tier), lazyload(User.facility)).order_by(User.id)).unique().scalars())


# --- escalation -------------------------------------------------------------

def escalate_case(case: Case, by: User | None = None, reason: str | None = None) -> Case:
    """One tier up: by a mentor's button (by=user) or when the deadline passed (by=None)."""
    if case.status not in ("open", "answered"):
        raise Conflict(_("Only an open case can be escalated."))
    if case.current_tier_code == "central":
        raise Conflict(_("This case is already with the central doctor."))
    if reason and len(reason) > 2000:
        raise ValidationFailed(str(FIELDS_MSG), fields={"reason": _("At most %(n)d characters.", n=2000)})
    if reason and (message := deident.identifier_in(reason)):
        raise ValidationFailed(message, fields={"reason": message})
    from_tier = case.current_tier_code
    to_tier = next_tier(case.group_id, from_tier)
    case.status, case.answered_at = "open", None
    case.claimed_by_id = case.claimed_at = None
    _offer(case, to_tier)
    log_event(case, by, "escalated", from_tier=from_tier, to_tier=to_tier,
              automatic=by is None, reason=reason or None)
    notify(offered_to(case), "case.escalated", _params(case), _link(case))
    db.session.flush()
    return case


def _claim_due(kind: str, limit: int) -> list[CaseTimer]:
    return deadlines.claim_due(CaseTimer, CaseTimer.kind == kind, limit=limit)


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


# --- follow-ups: 7 and 30 days after the first answer -----------------------

def schedule_follow_ups(case: Case) -> None:
    """Remind the asker to record how the patient did, 7 and 30 days after
    the case was first answered; once per case, however it is closed later."""
    if case.first_answer_at is None:
        return
    exists = db.session.execute(select(CaseTimer.id).where(
        CaseTimer.case_id == case.id, CaseTimer.kind == "outcome_reminder").limit(1)).first()
    if exists:
        return
    now = clock.now()
    # A case answered long ago (before this rule) gets its first reminder now, not two at once.
    start = max(case.first_answer_at, now - timedelta(days=OUTCOME_REMINDER_DAYS[0]))
    for days in OUTCOME_REMINDER_DAYS:
        db.session.add(CaseTimer(case_id=case.id, kind="outcome_reminder", days=days,
                                 due_at=start + timedelta(days=days), created_at=now))


def run_due_outcome_reminders(limit: int = 200) -> int:
    sent = 0
    for timer in _claim_due("outcome_reminder", limit):
        case = db.session.get(Case, timer.case_id)
        recent = case.outcome_at is not None and \
            case.outcome_at >= timer.due_at - timedelta(days=max(1, (timer.days or 7) // 2))
        if case.first_answer_at is not None and not recent:
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
    if len(body) > REPLY_LIMIT:
        raise ValidationFailed(str(FIELDS_MSG), fields={"body": _("At most %(n)d characters.", n=REPLY_LIMIT)})
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
        _answered(case, tier, now)
        notify([case.asker], "case.reply", _params(case), _link(case))
        signals.case_answered.send(case.id, user_id=user.id)
    else:
        notify(answerers(case), "case.reply", _params(case), _link(case))
    log_event(case, user, "replied", reply_id=reply.id, recommendation=recommendation)
    db.session.flush()
    return reply


def _answered(case: Case, tier: str | None, now) -> None:
    """A reply from above: the case reads "answered" for everyone at once."""
    if case.first_answer_at is None:
        case.first_answer_at, case.first_answer_tier_code = now, tier
    case.last_answer_at = now
    if case.status == "open":
        case.status, case.answered_at, case.due_at = "answered", now, None
    _cancel_timers(case, "escalation")  # somebody answered: the clock stops
    schedule_follow_ups(case)


def _set_recommendation(case: Case, reply: CaseReply) -> None:
    db.session.execute(update(CaseReply).where(CaseReply.case_id == case.id, CaseReply.id != reply.id)
                       .values(is_recommendation=False))
    reply.is_recommendation = True
    case.recommended_at = case.recommended_at or clock.now()


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


def _answerer_ids(case: Case):
    return select(CaseReply.author_id).where(CaseReply.case_id == case.id, CaseReply.author_id != case.asker_id)


def answerers(case: Case) -> list[User]:
    """Those who answered (replied, not the asker)."""
    return list(db.session.execute(select(User).where(User.id.in_(_answerer_ids(case)))
                                   .options(lazyload(User.tier), lazyload(User.facility))
                                   .order_by(User.id)).unique().scalars())


def answerer_ids(case: Case) -> set[int]:
    """The ids of answerers(case), without loading the accounts (the case page)."""
    return set(db.session.execute(_answerer_ids(case).distinct()).scalars())


def ask_again(case: Case, user: User, body: str) -> CaseReply:
    """The answer did not settle it: a follow-up question, and the tier's clock restarts."""
    if case.status not in ("open", "answered"):
        raise Conflict(_("Only an open or answered case can be asked again."))
    reply = add_reply(case, user, body)
    case.status, case.answered_at, case.answer_confirmed_at = "open", None, None
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


def record_view(case: Case, user: User) -> None:
    """Audit who read the case: every read in the platform's audit log (who
    and from where), one row per person per hour on the case's own trail."""
    audit_record("case.viewed", actor=user, target_kind="case", target_id=case.id)
    since = clock.now() - timedelta(hours=1)
    seen = db.session.execute(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.user_id == user.id, CaseEvent.action == "viewed",
        CaseEvent.created_at >= since).limit(1)).first()
    if seen is None:
        log_event(case, user, "viewed")
        db.session.flush()


# --- kept for callers in other domains (the rules live in cases.outcomes) ----

def close_case(case: Case, user: User, outcome: str | None = None, **kwargs) -> Case:
    from mentoring.cases import outcomes
    return outcomes.close_case(case, user, outcome, **kwargs)


def mark_answered(case: Case, user: User) -> Case:
    from mentoring.cases import outcomes
    return outcomes.confirm_answered(case, user)


def nominate_for_teaching(case: Case, user: User, note: str | None = None):
    from mentoring.cases import outcomes
    return outcomes.nominate_for_teaching(case, user, note)
