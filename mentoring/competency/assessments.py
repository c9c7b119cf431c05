"""Assessments: a mentor rates a worker on a competency (level 1-4, with
evidence), the worker rates themselves; the current level is the latest
mentor rating and the gap between self and mentor is shown."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mentoring import clock
from mentoring.auth import policy
from mentoring.competency.models import EVIDENCE_KINDS, LEVELS, Assessment, Competency
from mentoring.errors import Forbidden, ValidationFailed
from mentoring.extensions import db

FIELDS_MSG = _l("Please correct the marked fields.")
LEVEL_NAMES = {1: _l("novice"), 2: _l("advanced beginner"), 3: _l("competent"), 4: _l("proficient")}
EVIDENCE_NAMES = {"case": _l("a case they handled"), "session": _l("a session they attended or presented at"),
                  "observation": _l("direct observation")}


def level_name(level: int | None) -> str:
    return str(LEVEL_NAMES.get(level, "")) if level else ""


def _competency(code_or_id) -> Competency | None:
    if isinstance(code_or_id, Competency):
        return code_or_id
    if isinstance(code_or_id, int):
        return db.session.get(Competency, code_or_id)
    return db.session.execute(select(Competency).where(Competency.code == str(code_or_id or ""))
                              ).unique().scalar_one_or_none()


def _check_evidence(worker, kind: str, evidence_id, errors: dict) -> None:
    if kind == "observation":
        return
    if evidence_id is None:
        errors["evidence_id"] = _("Say which case or session.")
        return
    if kind == "case":
        from mentoring.cases.models import Case, CaseReply
        took_part = db.session.execute(select(Case.id).where(Case.id == evidence_id, (Case.asker_id == worker.id) | (
            Case.id.in_(select(CaseReply.case_id).where(CaseReply.author_id == worker.id))))).first()
        if not took_part:
            errors["evidence_id"] = _("This worker did not ask or answer that case.")
        return
    from mentoring.competency.ledger import sessions_source
    source = sessions_source()
    if source is None or not source.took_part(worker.id, evidence_id):
        errors["evidence_id"] = _("This worker did not attend or present at that session.")


def assess(assessor, worker, data: dict) -> Assessment:
    """data: competency (code or id), level, evidence_kind, evidence_id, note, assessed_on.
    A mentor of the worker rates them; the worker may rate themselves."""
    is_self = assessor.id == worker.id
    if is_self and not policy.allowed(assessor, "competency.self_assess", worker):
        raise Forbidden(_("Only health workers rate themselves."))
    if not is_self and not policy.allowed(assessor, "competency.assess", worker):
        raise Forbidden(_("Only a mentor of this worker can assess them."),
                        fields={"user_id": _("Only a mentor of this worker can assess them.")})
    errors: dict = {}
    competency = _competency(data.get("competency"))
    if competency is None:
        errors["competency"] = _("Choose a competency.")
    level = data.get("level")
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        errors["level"] = _("Choose a level from 1 to 4.")
    kind = data.get("evidence_kind") or "observation"
    if kind not in EVIDENCE_KINDS:
        errors["evidence_kind"] = _("Choose the evidence: a case, a session or direct observation.")
    else:
        _check_evidence(worker, kind, data.get("evidence_id"), errors)
    note = (data.get("note") or "").strip()
    if len(note) > 2000:
        errors["note"] = _("At most %(n)d characters.", n=2000)
    elif note:
        from mentoring.cases.deident import identifier_in
        if message := identifier_in(note):
            errors["note"] = message
    assessed_on = data.get("assessed_on") or clock.now().date()
    if not isinstance(assessed_on, date) or assessed_on > clock.now().date():
        errors["assessed_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationFailed(str(FIELDS_MSG), fields=errors)
    row = Assessment(user_id=worker.id, competency_id=competency.id, assessor_id=assessor.id, is_self=is_self,
                     level=level, evidence_kind=kind, evidence_id=data.get("evidence_id") if kind != "observation"
                     else None, note=note or None, assessed_on=assessed_on, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    if not is_self:
        from mentoring.competency.certificates import issue_if_met
        issue_if_met([worker.id])
    return row


@dataclass
class Standing:
    competency: Competency
    mentor_level: int | None
    mentor_on: date | None
    self_level: int | None

    @property
    def gap(self) -> int | None:
        """Self minus mentor: positive when the worker rates themselves higher."""
        if self.mentor_level is None or self.self_level is None:
            return None
        return self.self_level - self.mentor_level


def latest_levels(user_ids, is_self: bool = False, competency_ids=None):
    """A select of (user_id, competency_id, level, assessed_on): each person's
    latest rating per competency (mentor's, or their own with is_self)."""
    ranked = select(Assessment.user_id, Assessment.competency_id, Assessment.level, Assessment.assessed_on,
                    func.row_number().over(partition_by=(Assessment.user_id, Assessment.competency_id),
                                           order_by=(Assessment.assessed_on.desc(), Assessment.id.desc())
                                           ).label("rn")
                    ).where(Assessment.is_self.is_(is_self))
    if user_ids is not None:
        ranked = ranked.where(Assessment.user_id.in_(user_ids))
    if competency_ids is not None:
        ranked = ranked.where(Assessment.competency_id.in_(competency_ids))
    sub = ranked.subquery()
    return select(sub.c.user_id, sub.c.competency_id, sub.c.level, sub.c.assessed_on).where(sub.c.rn == 1)


def standings(user_id: int, competencies: list[Competency]) -> list[Standing]:
    ids = [c.id for c in competencies]
    mentor = {c: (lv, on) for _, c, lv, on in db.session.execute(latest_levels([user_id], False, ids)).all()}
    own = {c: lv for _, c, lv, _ in db.session.execute(latest_levels([user_id], True, ids)).all()}
    return [Standing(c, *(mentor.get(c.id) or (None, None)), own.get(c.id)) for c in competencies]


def timeline(user_id: int, limit: int = 200) -> list[Assessment]:
    return list(db.session.execute(select(Assessment).where(Assessment.user_id == user_id)
                                   .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()).limit(limit)
                                   ).unique().scalars())
