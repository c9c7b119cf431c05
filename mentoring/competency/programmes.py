"""Certification programmes as data (data/programmes.json): requirements,
audience, validity; and each person's progress with exactly what is missing.

requirements = {
  "hours": {"required": 120, "window_days": 1826, "caps": {"case_answer": 30, ...}},
  "sessions_attended": 0, "case_consultations": 0,
  "competencies": [{"framework": "ehr-rollout", "min_level": 3} | {"competency": "FM-HTN", "min_level": 3}]}
audience = {"tiers": [tier codes], "groups": [group names], "provinces": [province codes]} (empty: anyone)."""
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import select

from mentoring import clock
from mentoring.competency import assessments, ledger
from mentoring.competency.frameworks import DATA, competencies_of, localized
from mentoring.competency.models import CREDIT_KINDS, Certificate, Competency, Programme
from mentoring.errors import ValidationFailed
from mentoring.extensions import db


# --- loading ------------------------------------------------------------------

def _check(doc: dict) -> dict:
    errors = {}
    reqs = doc.get("requirements") if isinstance(doc.get("requirements"), dict) else {}
    hours = reqs.get("hours")
    if hours is not None:
        if not isinstance(hours.get("required"), (int, float)) or hours["required"] <= 0:
            errors["requirements.hours.required"] = "a positive number of hours"
        if not isinstance(hours.get("window_days"), int) or hours["window_days"] <= 0:
            errors["requirements.hours.window_days"] = "a positive number of days"
        bad_caps = [k for k in (hours.get("caps") or {}) if k not in CREDIT_KINDS]
        if bad_caps:
            errors["requirements.hours.caps"] = f"unknown kinds {bad_caps}"
    for item in reqs.get("competencies") or []:
        if not isinstance(item.get("min_level"), int) or not 1 <= item["min_level"] <= 4:
            errors["requirements.competencies"] = "min_level from 1 to 4"
    if not isinstance(doc.get("validity_days"), int) or doc["validity_days"] <= 0:
        errors["validity_days"] = "a positive number of days"
    if errors:
        raise ValidationFailed(_("The programme file has errors."), fields=errors)
    return reqs


def import_programmes(docs: list[dict]) -> list[Programme]:
    """Insert or update programmes by code (seed-demo, first set-up)."""
    out = []
    for doc in docs:
        reqs = _check(doc)
        row = db.session.execute(select(Programme).where(Programme.code == doc["code"])).scalar_one_or_none()
        if row is None:
            row = Programme(code=doc["code"])
            db.session.add(row)
        row.title_vi, row.title_en = doc["title"]["vi"], doc["title"]["en"]
        row.description_vi = doc.get("description", {}).get("vi")
        row.description_en = doc.get("description", {}).get("en")
        row.basis = doc.get("basis")
        row.requirements = {**reqs, "at_risk": doc.get("at_risk") or {}}
        row.audience = doc.get("audience") or {}
        row.validity_days = doc["validity_days"]
        row.is_default, row.is_ehr = bool(doc.get("default")), bool(doc.get("ehr"))
        row.active = doc.get("active", True)
        out.append(row)
    db.session.flush()
    return out


def load_shipped() -> list[Programme]:
    return import_programmes(json.loads((DATA / "programmes.json").read_text(encoding="utf-8")))


def programmes() -> list[Programme]:
    return list(db.session.execute(select(Programme).where(Programme.active.is_(True))
                                   .order_by(Programme.is_default.desc(), Programme.id)).scalars())


def get_programme(code: str) -> Programme | None:
    return db.session.execute(select(Programme).where(Programme.code == code)).scalar_one_or_none()


def default_programme() -> Programme | None:
    return db.session.execute(select(Programme).where(Programme.active.is_(True), Programme.is_default.is_(True))
                              .order_by(Programme.id).limit(1)).scalar_one_or_none()


def ehr_programme() -> Programme | None:
    return db.session.execute(select(Programme).where(Programme.active.is_(True), Programme.is_ehr.is_(True))
                              .order_by(Programme.id).limit(1)).scalar_one_or_none()


# --- audience -----------------------------------------------------------------

def _group_names(user) -> set[str]:
    from mentoring.org.models import GroupMembership, MentoringGroup
    return set(db.session.execute(select(MentoringGroup.name).join(
        GroupMembership, GroupMembership.group_id == MentoringGroup.id).where(
        GroupMembership.user_id == user.id, GroupMembership.left_on.is_(None))).scalars())


def in_audience(user, programme: Programme, groups: set[str] | None = None) -> bool:
    if user.role != "worker" or not user.active:
        return False
    aud = programme.audience or {}
    if aud.get("tiers") and user.tier_code not in aud["tiers"]:
        return False
    if aud.get("provinces") and (user.facility is None or user.facility.province_code not in aud["provinces"]):
        return False
    if aud.get("groups"):
        names = groups if groups is not None else _group_names(user)
        if not names & set(aud["groups"]):
            return False
    return True


def programmes_for(user) -> list[Programme]:
    names = _group_names(user)
    return [p for p in programmes() if in_audience(user, p, names)]


# --- requirements and progress --------------------------------------------------

def required_competencies(programme: Programme, tier: str | None = None) -> list[tuple[Competency, int]]:
    """(competency, minimum level) the programme asks for; with a tier, only
    the competencies that apply to that tier."""
    out, seen = [], set()
    for item in programme.requirements.get("competencies") or []:
        if item.get("framework"):
            comps = competencies_of(item["framework"])
        else:
            comps = [c for c in [db.session.execute(select(Competency).where(
                Competency.code == item.get("competency"))).unique().scalar_one_or_none()] if c]
        for comp in comps:
            if comp.id not in seen and (tier is None or not comp.tiers or tier in comp.tiers):
                seen.add(comp.id)
                out.append((comp, int(item["min_level"])))
    return out


def window_days(programme: Programme) -> int:
    hours = programme.requirements.get("hours") or {}
    return int(hours.get("window_days") or programme.validity_days)


def window_start(programme: Programme, now: datetime | None = None) -> datetime:
    now = now or clock.now()
    return datetime.combine((now - timedelta(days=window_days(programme))).date(), time(0), timezone.utc)


@dataclass
class KindHours:
    kind: str
    hours: float
    cap: float | None
    counted: float
    credits: int


@dataclass
class Progress:
    programme: Programme
    window_start: datetime
    hours_required: float | None = None
    hours_counted: float = 0.0
    by_kind: list[KindHours] = field(default_factory=list)
    sessions: tuple[int, int] | None = None        # (have, need)
    cases: tuple[int, int] | None = None
    competencies: list[tuple[assessments.Standing, int]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    certificate: Certificate | None = None
    status: str = "in_progress"

    @property
    def met(self) -> bool:
        return not self.missing


def counted_hours(by_kind: dict, caps: dict) -> tuple[float, list[KindHours]]:
    rows = []
    for kind in CREDIT_KINDS:
        hours, n = by_kind.get(kind, (0.0, 0))
        cap = caps.get(kind)
        rows.append(KindHours(kind, round(hours, 2), cap, round(min(hours, cap) if cap is not None else hours, 2), n))
    return round(sum(r.counted for r in rows), 2), rows


def _hours_text(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def evaluate(user, programme: Programme, now: datetime | None = None) -> Progress:
    """Where `user` stands against `programme`: a few queries, whatever their history."""
    now = now or clock.now()
    reqs = programme.requirements or {}
    start = window_start(programme, now)
    progress = Progress(programme=programme, window_start=start)
    by_kind = ledger.hours_by_kind(user.id, start)
    hours_req = reqs.get("hours")
    progress.hours_counted, progress.by_kind = counted_hours(by_kind, (hours_req or {}).get("caps") or {})
    if hours_req:
        need = float(hours_req["required"])
        progress.hours_required = need
        if progress.hours_counted < need:
            progress.missing.append(_(
                "%(missing)s more hours within the last %(years)s years (%(have)s of %(need)s counted).",
                missing=_hours_text(need - progress.hours_counted), years=_hours_text(window_days(programme) / 365.25),
                have=_hours_text(progress.hours_counted), need=_hours_text(need)))
    if reqs.get("sessions_attended"):
        have, need = by_kind.get("session", (0, 0))[1], int(reqs["sessions_attended"])
        progress.sessions = (have, need)
        if have < need:
            progress.missing.append(_("%(n)d more teaching sessions attended (%(have)d of %(need)d).",
                                      n=need - have, have=have, need=need))
    if reqs.get("case_consultations"):
        have, need = by_kind.get("case_answer", (0, 0))[1], int(reqs["case_consultations"])
        progress.cases = (have, need)
        if have < need:
            progress.missing.append(_("%(n)d more case consultations answered (%(have)d of %(need)d).",
                                      n=need - have, have=have, need=need))
    wanted = required_competencies(programme, user.tier_code)
    if wanted:
        standings = assessments.standings(user.id, [c for c, _ in wanted])
        progress.competencies = list(zip(standings, [lv for _, lv in wanted]))
        for standing, level in progress.competencies:
            if standing.mentor_level is None or standing.mentor_level < level:
                now_text = (_("level %(n)d (%(name)s)", n=standing.mentor_level,
                              name=assessments.level_name(standing.mentor_level))
                            if standing.mentor_level else _("not assessed by a mentor yet"))
                progress.missing.append(_(
                    "“%(title)s” at level %(level)d (%(name)s) or above, confirmed by a mentor; now: %(now)s.",
                    title=localized(standing.competency, "title"), level=level,
                    name=assessments.level_name(level), now=now_text))
    from mentoring.competency import certificates, dashboard
    progress.certificate = certificates.current_certificate(user.id, programme.id, now.date())
    progress.status = dashboard.status_of(user.id, programme)
    return progress


def today() -> date:
    return clock.now().date()
