"""After the answer: the asker's confirmation, the patient's outcome (coded,
with free text beside it), closing, teaching nominations and the review of
identifier overrides.

Only the asker (or a training coordinator) records what became of the
patient; a mentor may close a stale case with a reason, and the outcome
stays the asker's to record. The 7- and 30-day follow-ups (scheduled at the
first answer, services.schedule_follow_ups) reach the asker however the
case was closed."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mentoring import clock
from mentoring.auth.models import User
from mentoring.cases import deident
from mentoring.cases.intake import FIELDS_MSG
from mentoring.cases.models import OUTCOMES, OVERRIDE_REVIEWS, Case, TeachingNomination
from mentoring.cases.services import (_cancel_timers, _link, _params, answerers, log_event,
                                      schedule_follow_ups)
from mentoring.errors import Conflict, Forbidden, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.services import notify, register_kind
from mentoring.org.services import tiers_above

OUTCOME_TEXT_LIMIT = 4000
REASON_LIMIT = 2000

register_kind("case.closed", _l("A mentor closed your case: %(complaint)s. Record how the patient did "
                                "when you know."))


def records_outcome(user: User, case: Case) -> bool:
    """The asker, or a training coordinator, records the patient's outcome."""
    return user.id == case.asker_id or user.role == "coordinator"


def confirm_answered(case: Case, user: User) -> Case:
    """The asker says the question is answered: the loop is closed (the
    status already read "answered" since the first reply)."""
    if case.status not in ("open", "answered"):
        raise Conflict(_("Only an open or answered case can be confirmed."))
    if case.first_answer_at is None:
        raise Conflict(_("Nobody has answered yet."))
    now = clock.now()
    if case.status == "open":
        case.status, case.answered_at, case.due_at = "answered", now, None
        _cancel_timers(case, "escalation")
    case.answer_confirmed_at = now
    schedule_follow_ups(case)
    log_event(case, user, "marked_answered")
    db.session.flush()
    return case


mark_answered = confirm_answered


def _clean_outcome(case: Case, code, text, referred_tier) -> tuple[str | None, str | None, str | None]:
    errors = {}
    text = (text or "").strip() or None
    if code is not None and code not in OUTCOMES:
        errors["outcome_code"] = _("Choose what happened to the patient.")
    if code is None and text is None:
        errors["outcome_code"] = _("Record what happened to the patient.")
    if code == "referred":
        if referred_tier not in tiers_above(case.asker_tier_code):
            errors["referred_tier"] = _("Choose the level the patient was referred to.")
    else:
        referred_tier = None
    if text is not None:
        if len(text) > OUTCOME_TEXT_LIMIT:
            errors["outcome"] = _("At most %(n)d characters.", n=OUTCOME_TEXT_LIMIT)
        elif message := deident.identifier_in(text):
            errors["outcome"] = message
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    return code, text, referred_tier


def record_outcome(case: Case, user: User, outcome: str | None = None, *, code: str | None = None,
                   referred_tier: str | None = None, close: bool = True) -> Case:
    """What became of the patient: a code (managed at the station, referred
    up to a tier, died, lost to follow-up, unknown) and/or free text. The
    first outcome closes the case; later ones update it (the follow-ups)."""
    if case.status == "draft":
        raise Conflict(_("This case has not been sent yet."))
    if not records_outcome(user, case):
        raise Forbidden(_("Only the person who asked, or a training coordinator, records the patient's "
                          "outcome."))
    code, text, referred_tier = _clean_outcome(case, code, outcome, referred_tier)
    now = clock.now()
    case.outcome_code = code if code is not None else case.outcome_code
    case.referred_tier_code = referred_tier if code is not None else case.referred_tier_code
    case.outcome = text if text is not None else case.outcome
    case.outcome_at = now
    if close and case.status != "closed":
        _close(case, now)
        log_event(case, user, "closed", outcome_code=case.outcome_code)
    else:
        log_event(case, user, "outcome", outcome_code=case.outcome_code)
    notify([u for u in answerers(case) if u.id != user.id], "case.outcome", _params(case), _link(case))
    db.session.flush()
    return case


def _close(case: Case, now) -> None:
    case.status, case.closed_at, case.due_at = "closed", now, None
    case.claimed_by_id = case.claimed_at = None
    _cancel_timers(case, "escalation")
    schedule_follow_ups(case)


def close_stale(case: Case, user: User, reason: str | None) -> Case:
    """A mentor closes a case that went quiet, saying why."""
    if case.status == "closed":
        raise Conflict(_("This case is already closed."))
    if case.status == "draft":
        raise Conflict(_("This case has not been sent yet."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(str(FIELDS_MSG), fields={"reason": _("Say why you close this case.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationFailed(str(FIELDS_MSG), fields={"reason": _("At most %(n)d characters.", n=REASON_LIMIT)})
    if message := deident.identifier_in(reason):
        raise ValidationFailed(message, fields={"reason": message})
    case.close_reason = reason
    _close(case, clock.now())
    log_event(case, user, "closed", reason=reason)
    notify([case.asker], "case.closed", _params(case), _link(case))
    db.session.flush()
    return case


def close_case(case: Case, user: User, outcome: str | None = None, *, code: str | None = None,
               referred_tier: str | None = None, reason: str | None = None) -> Case:
    """The close button of either side: the asker (or a coordinator) closes
    with the outcome, a mentor with a reason and no outcome."""
    if case.status == "closed":
        raise Conflict(_("This case is already closed."))
    if records_outcome(user, case):
        return record_outcome(case, user, outcome, code=code, referred_tier=referred_tier, close=True)
    if code is not None or (outcome or "").strip():
        message = _("Only the person who asked, or a training coordinator, records the patient's outcome. "
                    "Give the reason you close the case.")
        raise ValidationFailed(message, fields={"outcome_code" if code is not None else "outcome": message})
    return close_stale(case, user, reason)


def nominate_for_teaching(case: Case, user: User, note: str | None = None) -> TeachingNomination:
    if case.status != "closed":
        raise Conflict(_("Only a closed case can be nominated for teaching."))
    if case.awaiting_review:
        raise Conflict(_("Review the identifier warning of this case first."))
    note = (note or "").strip() or None
    if note and len(note) > REASON_LIMIT:
        raise ValidationFailed(str(FIELDS_MSG), fields={"note": _("At most %(n)d characters.", n=REASON_LIMIT)})
    if note and (message := deident.identifier_in(note)):
        raise ValidationFailed(message, fields={"note": message})
    found = db.session.execute(select(TeachingNomination).where(
        TeachingNomination.case_id == case.id)).unique().scalar_one_or_none()
    if found is not None:
        raise Conflict(_("This case is already nominated for teaching."))
    nomination = TeachingNomination(case_id=case.id, nominated_by_id=user.id, note=note,
                                    created_at=clock.now())
    db.session.add(nomination)
    log_event(case, user, "nominated")
    db.session.flush()
    return nomination


def review_override(case: Case, user: User, decision: str) -> Case:
    """A mentor read the case the asker sent despite a name or address
    warning: "cleared" lets it into the library, "withheld" keeps it out."""
    if case.identifier_override_at is None:
        raise Conflict(_("This case carries no identifier warning to review."))
    if decision not in OVERRIDE_REVIEWS:
        raise ValidationFailed(str(FIELDS_MSG), fields={"decision": _("Choose cleared or withheld.")})
    case.override_review, case.override_reviewed_at, case.override_reviewed_by_id = decision, clock.now(), user.id
    log_event(case, user, "override_reviewed", decision=decision)
    db.session.flush()
    return case
